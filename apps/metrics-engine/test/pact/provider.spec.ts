import { randomBytes } from 'node:crypto';
import { Verifier } from '@pact-foundation/pact';
import { webstreamConfigSchema } from '@webstream/config';
import { telemetryIngestRoute } from '@webstream/contracts';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { pactFilesFor } from '@webstream/testing';
import { credentialFilter } from '@webstream/testing/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsDatabase } from '../../src/database/metrics-database';
import { MetricsEngineModule } from '../../src/metrics-engine.module';

/** The provider's own credential: what the consumers recorded is theirs, replaced on the way in. */
const SERVICE_TOKEN = randomBytes(24).toString('hex');

describe('pact: the metrics engine honours its consumers', () => {
  let database: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    database = await createTestDatabase('ws_metrics_engine_pact');
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      metricsEngine: { databaseUrl: database.url, serviceToken: SERVICE_TOKEN },
    });
    service = await startTestService(MetricsEngineModule.forRoot(config), {
      telemetryRoutes: [telemetryIngestRoute.path],
    });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('verifies every committed pact it is the provider of, against the real app on a real database', async () => {
    const pactUrls = pactFilesFor('metrics-engine');
    expect(pactUrls.length).toBeGreaterThan(0);
    const db = service.app.get(MetricsDatabase);
    const truncate = async (): Promise<void> => {
      await db.$executeRawUnsafe(
        'TRUNCATE "IngestBatch", "MetricSample", "LatestSample", "ActivityEvent", "UsageSession", "AuditEvent"',
      );
    };
    await new Verifier({
      provider: 'metrics-engine',
      providerBaseUrl: service.url,
      pactUrls,
      logLevel: 'warn',
      stateHandlers: {
        // Nothing stored yet: a batch's key is new, no node has reported, no session ran.
        'the engine is up': truncate,
        'no node has reported': truncate,
      },
      requestFilter: credentialFilter(() => ({ authorization: `Bearer ${SERVICE_TOKEN}` })),
    }).verifyProvider();
  });
});
