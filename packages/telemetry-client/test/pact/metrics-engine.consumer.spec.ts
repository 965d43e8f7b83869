import { MatchersV3 } from '@pact-foundation/pact';
import { type TelemetryBatch, telemetryBatchSchema, telemetryIngestRoute } from '@webstream/contracts';
import { consumerPact } from '@webstream/testing/contracts';
import { describe, expect, it } from 'vitest';
import { IngestTransport } from '../../src/transport';

const { like, regex } = MatchersV3;

const SERVICE_TOKEN = 'service-token-'.padEnd(40, 'y');

/** A batch of the kinds every service sends: a node sample and a launch. Checked against the contract first. */
const batch: TelemetryBatch = telemetryBatchSchema.parse({
  idempotencyKey: 'pact-batch-0001',
  source: 'session-host',
  events: [
    {
      kind: 'sample',
      metric: 'node.cpu',
      value: 12.5,
      at: '2026-12-07T10:00:00.000Z',
      node: 'http://10.0.1.5:9005',
    },
    {
      kind: 'activity',
      type: 'launch',
      at: '2026-12-07T10:00:01.000Z',
      userId: 'user-pact',
      orgId: 'org-pact',
      sessionId: 'sess-pact-1',
    },
  ],
});

describe('pact: every service (its telemetry client) → metrics engine', () => {
  const contract = consumerPact('telemetry-client', 'metrics-engine');

  const transport = (url: string) =>
    new IngestTransport({
      url,
      serviceToken: SERVICE_TOKEN,
      requestTimeoutMs: 5_000,
      breakerResetMs: 1_000,
      name: 'pact',
    });

  it('sends a batch, stored once by its idempotency key', async () => {
    await contract.pact
      .addInteraction()
      .given('the engine is up')
      .uponReceiving('a telemetry batch')
      .withRequest('POST', telemetryIngestRoute.path, (request) =>
        request
          .headers({ authorization: regex(/^Bearer .{32,}$/, `Bearer ${SERVICE_TOKEN}`) })
          .jsonBody(like(batch)),
      )
      .willRespondWith(200, (response) => response.jsonBody({ stored: like(true), events: like(2) }))
      .executeTest(async (mock) => {
        const sender = transport(mock.url);
        try {
          const answer = await sender.send(batch, AbortSignal.timeout(5_000));
          expect(typeof answer.stored).toBe('boolean');
        } finally {
          sender.shutdown();
        }
      });
  });

  it('writes the pact metrics-engine verifies, and it is the committed one', () => contract.isCommitted());
});
