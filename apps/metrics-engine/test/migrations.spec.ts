import { checkServiceMigrations } from '@webstream/db/testing';
import { describe, expect, it } from 'vitest';
import { metricsMigrationSource } from '../src/migration-source';

describe('the metrics engine database migrations', () => {
  it('apply to a fresh PostgreSQL once, and match the Prisma schema', async () => {
    const check = await checkServiceMigrations('ws_metrics_migrations', metricsMigrationSource);
    expect(check.folders.length).toBeGreaterThan(0);
    expect(check.applied).toEqual(check.folders);
    expect(check.appliedAgain).toEqual([]);
    expect(check.pendingChange, 'the schema changed without a migration: run pnpm db:migrate:new').toBeNull();
  });
});
