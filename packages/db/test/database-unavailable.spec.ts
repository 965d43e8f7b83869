import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolConfig } from '../src/database';
import { databaseUnavailable } from '../src/known-errors';
import { createTestDatabase, type TestDatabase } from '../src/testing';

describe('a database that goes away, on a real PostgreSQL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('ws_db_unavailable');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('answers 503 with Retry-After for the error of a query whose connection the server ended', async () => {
    const victim = new Client(poolConfig(database.url));
    const admin = new Client(poolConfig(database.url));
    await victim.connect();
    await admin.connect();
    victim.on('error', () => undefined);
    try {
      const pid = ((await victim.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
      const running = victim.query('SELECT pg_sleep(30)').then(
        () => undefined,
        (error: unknown) => error,
      );
      // The sleep must have begun before the server ends its connection.
      await expect
        .poll(
          async () =>
            (
              await admin.query(
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND state = 'active'",
                [pid],
              )
            ).rows[0].n as number,
        )
        .toBe(1);
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const error = await running;
      expect((error as { code?: string }).code).toBe('57P01');
      expect(databaseUnavailable(error)).toEqual({
        status: 503,
        message: 'the database is unavailable; try again shortly',
        retryAfterSeconds: 5,
      });
    } finally {
      await victim.end().catch(() => undefined);
      await admin.end();
    }
  });
});
