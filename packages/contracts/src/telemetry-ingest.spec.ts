import { describe, expect, it } from 'vitest';
import { MAX_TELEMETRY_BATCH_EVENTS, telemetryBatchSchema } from './telemetry-ingest';
import {
  concurrencyReportQuerySchema,
  metricsReportQuerySchema,
  usageReportQuerySchema,
} from './metrics-reports';

const at = '2026-03-02T09:50:00.000Z';

function issuePaths(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }): string[] {
  return (result.error?.issues ?? []).map((issue) => issue.path.join('.'));
}

describe('telemetry batches', () => {
  it('accepts a batch mixing every kind of event', () => {
    const result = telemetryBatchSchema.safeParse({
      idempotencyKey: '5f0c8f1e-4a39-4a4f-9f60-0f3c2f0b1d2a',
      source: 'session-host',
      events: [
        { kind: 'sample', metric: 'node.cpu', value: 12.5, at, node: 'http://host-a:9005' },
        { kind: 'sample', metric: 'streamer.fps', value: 30, at, sessionId: 's-1' },
        { kind: 'activity', type: 'policy-refusal', at, userId: 'u', detail: 'clipboard out' },
        {
          kind: 'audit',
          at,
          actorId: 'u-admin',
          action: 'user.create',
          targetType: 'user',
          targetId: 'u',
          before: null,
          after: { n: 1 },
        },
        {
          kind: 'usage',
          type: 'session-start',
          at,
          sessionId: 's-1',
          userId: 'u',
          orgId: 'o',
          appId: 'a',
          workspaceId: 'w',
        },
      ],
    });
    expect(result.success).toBe(true);
  });

  it('names the wrong field of a wrong event', () => {
    const base = { idempotencyKey: 'key-00000001', source: 'gateway' };
    expect(
      issuePaths(
        telemetryBatchSchema.safeParse({
          ...base,
          events: [{ kind: 'sample', metric: 'node.gpu', value: 1, at }],
        }),
      ),
    ).toEqual(['events.0.metric']);
    expect(
      issuePaths(
        telemetryBatchSchema.safeParse({ ...base, events: [{ kind: 'usage', type: 'session-start', at }] }),
      ),
    ).toContain('events.0.sessionId');
    expect(
      issuePaths(
        telemetryBatchSchema.safeParse({
          ...base,
          events: [
            {
              kind: 'audit',
              at,
              actorId: 'a',
              action: 'Created',
              targetType: 't',
              targetId: 'x',
              before: null,
              after: null,
            },
          ],
        }),
      ),
    ).toEqual(['events.0.action']);
    expect(issuePaths(telemetryBatchSchema.safeParse({ ...base, events: [] }))).toEqual(['events']);
    expect(
      issuePaths(
        telemetryBatchSchema.safeParse({
          ...base,
          idempotencyKey: 'short',
          events: [{ kind: 'activity', type: 'login', at }],
        }),
      ),
    ).toEqual(['idempotencyKey']);
  });

  it('caps a batch at the size one request may carry', () => {
    const events = Array.from({ length: MAX_TELEMETRY_BATCH_EVENTS + 1 }, () => ({
      kind: 'activity',
      type: 'login',
      at,
    }));
    expect(
      issuePaths(
        telemetryBatchSchema.safeParse({ idempotencyKey: 'key-00000001', source: 'gateway', events }),
      ),
    ).toEqual(['events']);
  });
});

describe('report queries', () => {
  it('need a range that ends after it starts, and bound fine periods to short ranges', () => {
    expect(usageReportQuerySchema.safeParse({ from: at, to: '2026-03-03T00:00:00Z' }).success).toBe(true);
    expect(issuePaths(usageReportQuerySchema.safeParse({ from: at, to: at }))).toEqual(['to']);
    expect(
      issuePaths(
        concurrencyReportQuerySchema.safeParse({
          from: '2026-01-01T00:00:00Z',
          to: '2026-06-01T00:00:00Z',
          period: 'hour',
        }),
      ),
    ).toEqual(['to']);
    expect(
      concurrencyReportQuerySchema.safeParse({
        from: '2026-01-01T00:00:00Z',
        to: '2026-06-01T00:00:00Z',
        period: 'day',
      }).success,
    ).toBe(true);
    expect(
      issuePaths(
        metricsReportQuerySchema.safeParse({
          from: '2026-01-01T00:00:00Z',
          to: '2026-01-05T00:00:00Z',
          metric: 'node.cpu',
          bucket: 'minute',
        }),
      ),
    ).toEqual(['to']);
  });
});
