#!/usr/bin/env node
// `pnpm db:migrate` / `pnpm db:migrate:new <name>` for the metrics database.
import { runMigrateCommand } from '@webstream/db';
import { metricsMigrationSource } from './migration-source';

runMigrateCommand({
  service: 'metrics-engine',
  source: metricsMigrationSource,
  databaseUrlKey: 'metricsEngine.databaseUrl',
  databaseUrl: (config) => config.metricsEngine.databaseUrl,
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
