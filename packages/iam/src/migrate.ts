#!/usr/bin/env node
// `pnpm db:migrate` / `pnpm db:migrate:new <name>` for the IAM database.
import { runMigrateCli } from '@webstream/db';
import { iamMigrationSource } from './migration-source';

runMigrateCli({
  service: 'iam',
  source: iamMigrationSource,
  databaseUrlKey: 'accessManagement.databaseUrl',
  databaseUrl: (config) => config.accessManagement.databaseUrl,
});
