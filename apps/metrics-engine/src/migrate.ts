#!/usr/bin/env node
// `pnpm db:migrate` / `pnpm db:migrate:new <name>` for the metrics database.
import { runMigrateCli } from '@webstream/db';
import { metricsMigrationSource } from './migration-source';

runMigrateCli({
  service: 'metrics-engine',
  source: metricsMigrationSource,
  databaseUrlKey: 'metricsEngine.databaseUrl',
  databaseUrl: (config) => config.metricsEngine.databaseUrl,
});
