#!/usr/bin/env node
// `pnpm db:migrate` / `pnpm db:migrate:new <name>` for the IAM database.
import { runMigrateCommand } from '@webstream/db';
import { iamMigrationSource } from './migration-source';

runMigrateCommand({
  service: 'iam',
  source: iamMigrationSource,
  databaseUrlKey: 'accessManagement.databaseUrl',
  databaseUrl: (config) => config.accessManagement.databaseUrl,
  argv: process.argv.slice(2),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
