import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webstreamConfigSchema } from '@webstream/config';
import { type TelemetryEvent, telemetryIngestRoute } from '@webstream/contracts';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { TelemetryClient } from '@webstream/telemetry-client';
import { freePort } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsDatabase } from '../src/database/metrics-database';
import { MetricsEngineModule } from '../src/metrics-engine.module';

const TOKEN = 'restart-test-token-0123456789-abcdefghij';
const EVENTS = 10_000;

// The reporting client against the real engine: the engine goes away and comes back while a service keeps
// reporting, and every event is stored exactly once.
describe('the telemetry client across a metrics engine restart', () => {
  let database: TestDatabase;
  let spoolDir: string;
  let port: number;
  let engine: TestService | undefined;

  const startEngine = async (): Promise<TestService> => {
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      metricsEngine: { databaseUrl: database.url, serviceToken: TOKEN },
    });
    return startTestService(MetricsEngineModule.forRoot(config), {
      telemetryRoutes: [telemetryIngestRoute.path],
      port,
    });
  };

  beforeAll(async () => {
    database = await createTestDatabase('ws_client_restart');
    spoolDir = await mkdtemp(join(tmpdir(), 'ws-telemetry-'));
    port = await freePort();
  });

  afterAll(async () => {
    await engine?.close();
    await database?.drop();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('stores all 10,000 events recorded while the engine was down, exactly once', async () => {
    engine = await startEngine();
    const client = await TelemetryClient.open({
      url: `http://127.0.0.1:${port}`,
      serviceToken: TOKEN,
      source: 'session-host',
      spoolDir,
      maxMemoryEvents: 1_000,
      batchSize: 500,
      flushIntervalMs: 50,
      maxBackoffMs: 500,
    });
    const activity = (i: number): TelemetryEvent => ({
      kind: 'activity',
      type: 'launch',
      at: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
      userId: `user-${i}`,
    });
    try {
      for (let i = 0; i < 100; i++) client.record(activity(i));
      await client.flush();

      await engine.close();
      engine = undefined;
      for (let i = 100; i < EVENTS; i++) client.record(activity(i));
      await new Promise((done) => setTimeout(done, 300));
      expect(client.stats().diskBatches).toBeGreaterThan(0);

      engine = await startEngine();
      const db = engine.app.get(MetricsDatabase);
      const deadline = Date.now() + 60_000;
      let stored = 0;
      while (Date.now() < deadline) {
        [{ stored }] = await db.$queryRaw<
          [{ stored: number }]
        >`SELECT count(*)::int AS stored FROM "ActivityEvent"`;
        if (stored >= EVENTS && client.stats().memoryEvents === 0 && client.stats().diskBatches === 0) break;
        await new Promise((done) => setTimeout(done, 100));
      }
      const [{ distinct }] = await db.$queryRaw<[{ distinct: number }]>`
        SELECT count(DISTINCT "userId")::int AS distinct FROM "ActivityEvent"`;
      expect({ stored, distinct }).toEqual({ stored: EVENTS, distinct: EVENTS });
      expect(client.stats()).toMatchObject({
        memoryEvents: 0,
        diskBatches: 0,
        rejectedEvents: 0,
        droppedEvents: 0,
      });
    } finally {
      await client.close();
    }
  });
});
