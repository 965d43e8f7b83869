// Report latency: "MetricSample" filled to millions of rows and "UsageSession" to ~100k sessions with
// generate_series, then each report endpoint of the engine timed over HTTP with the service token.
import { sampleMetricSchema } from '@webstream/contracts';
import { type Client } from 'pg';
import { type MetricsEngineProcess } from '../engine';
import { scalar } from '../postgres';
import { count, formatNumber, percentile, progress } from '../report';
import { nodeUrl } from './events';

const DAY_MS = 86_400_000;
const FILL_CHUNK = 1_000_000;
export const FILL_NODES = 20;
const USAGE_USERS = 500;
const USAGE_ORGS = 10;
const USAGE_APPS = 30;
const USAGE_WORKSPACES = 20;

/**
 * Rows i = lo..hi of `total`, in time order over [from, from + span): a random metric of the contract's
 * sample metrics, a random one of FILL_NODES nodes, and for streamer figures a session and streamer guid
 * among 500. Appended in time order, as the engine appends live telemetry (what its BRIN index relies on).
 */
const FILL_SQL = `
INSERT INTO "MetricSample" ("metric", "value", "at", "node", "sessionId", "streamerGuid")
SELECT metric,
       round((random() * 100)::numeric, 2)::float8,
       $1::timestamptz + ((i - 1) * $2::float8) * interval '1 millisecond',
       'http://session-host-' || lpad(node::text, 2, '0') || '.fleet.internal:9005',
       CASE WHEN metric LIKE 'streamer.%' THEN 'fleet-session-' || session END,
       CASE WHEN metric LIKE 'streamer.%' THEN md5('fleet-streamer-' || session)::uuid::text END
FROM (
  SELECT i,
         ($5::text[])[1 + floor(random() * cardinality($5::text[]))::int] AS metric,
         floor(random() * ${FILL_NODES})::int AS node,
         floor(random() * 500)::int AS session
  FROM generate_series($3::bigint, $4::bigint) AS i
  OFFSET 0
) g`;

export interface FillResult {
  added: number;
  total: number;
  seconds: number;
  rowsPerSecond: number;
  vacuumAnalyzeSeconds: number;
}

/** Tops "MetricSample" up to `target` rows spread over the 7 days before `now`, 1M rows a statement. */
export async function fillSamples(pg: Client, target: number, now: number): Promise<FillResult> {
  const existing = await scalar(pg, 'SELECT count(*) AS value FROM "MetricSample"');
  const toAdd = Math.max(0, target - existing);
  const from = new Date(now - 7 * DAY_MS).toISOString();
  const stepMs = (7 * DAY_MS) / Math.max(1, toAdd);
  const metrics = sampleMetricSchema.options;
  progress(
    `filling "MetricSample" to ${count(target)} rows: ${count(toAdd)} generated over the last 7 days (${metrics.length} metrics, ${FILL_NODES} nodes), ${count(FILL_CHUNK)} per statement`,
  );
  const t0 = performance.now();
  for (let lo = 1; lo <= toAdd; lo += FILL_CHUNK) {
    const hi = Math.min(lo + FILL_CHUNK - 1, toAdd);
    await pg.query(FILL_SQL, [from, stepMs, lo, hi, metrics]);
    const elapsed = (performance.now() - t0) / 1000;
    progress(
      `  ${count(existing + hi)} / ${count(target)} samples (${elapsed.toFixed(1)} s, ${formatNumber(hi / elapsed)} rows/s)`,
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  // Explicit, so autovacuum does not start on the fresh 10M rows in the middle of the timed queries.
  const v0 = performance.now();
  progress('VACUUM (ANALYZE) "MetricSample"');
  await pg.query('VACUUM (ANALYZE) "MetricSample"');
  const vacuumAnalyzeSeconds = (performance.now() - v0) / 1000;
  const total = await scalar(pg, 'SELECT count(*) AS value FROM "MetricSample"');
  if (total !== Math.max(target, existing))
    throw new Error(`"MetricSample" holds ${count(total)} rows, expected ${count(target)}`);
  progress(
    `  done: ${count(total)} samples; fill ${seconds.toFixed(1)} s, VACUUM (ANALYZE) ${vacuumAnalyzeSeconds.toFixed(1)} s`,
  );
  return { added: toAdd, total, seconds, rowsPerSecond: toAdd / seconds, vacuumAnalyzeSeconds };
}

/**
 * `sessions` usage sessions started over the 30 days before `now`, 5-120 minutes long (those that would end
 * after now are still running: endedAt NULL); a user belongs to one organization.
 */
export async function fillUsageSessions(pg: Client, sessions: number, now: number): Promise<number> {
  progress(
    `inserting ${count(sessions)} usage sessions (${USAGE_USERS} users, ${USAGE_ORGS} orgs, ${USAGE_APPS} apps, ${USAGE_WORKSPACES} workspaces, last 30 days)`,
  );
  const t0 = performance.now();
  await pg.query(
    `INSERT INTO "UsageSession" ("sessionId", "userId", "orgId", "appId", "workspaceId", "node", "startedAt", "endedAt")
     SELECT 'usage-session-' || i, 'user-' || u, 'org-' || (u % ${USAGE_ORGS}),
            'app-' || floor(random() * ${USAGE_APPS})::int, 'workspace-' || floor(random() * ${USAGE_WORKSPACES})::int,
            'http://session-host-' || lpad(floor(random() * ${FILL_NODES})::int::text, 2, '0') || '.fleet.internal:9005',
            started, CASE WHEN started + length <= $1::timestamptz THEN started + length END
     FROM (
       SELECT i, floor(random() * ${USAGE_USERS})::int AS u,
              $1::timestamptz - random() * interval '30 days' AS started,
              (5 + random() * 115) * interval '1 minute' AS length
       FROM generate_series(1, $2::int) AS i
       OFFSET 0
     ) g`,
    [new Date(now).toISOString(), sessions],
  );
  await pg.query('VACUUM (ANALYZE) "UsageSession"');
  const total = await scalar(pg, 'SELECT count(*) AS value FROM "UsageSession"');
  if (total !== sessions)
    throw new Error(`"UsageSession" holds ${count(total)} rows, expected ${count(sessions)}`);
  progress(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return total;
}

export interface ReportQuery {
  name: string;
  path: string;
}

/** The report calls timed, all answering JSON. */
export function reportQueries(now: number): ReportQuery[] {
  const iso = (ms: number): string => encodeURIComponent(new Date(ms).toISOString());
  const to = iso(now);
  const week = `from=${iso(now - 7 * DAY_MS)}&to=${to}`;
  const month = `from=${iso(now - 30 * DAY_MS)}&to=${to}`;
  const node = encodeURIComponent(nodeUrl(7));
  return [
    {
      name: 'metrics node.cpu, 7 days by hour',
      path: `/api/reports/metrics?metric=node.cpu&bucket=hour&${week}`,
    },
    {
      name: 'metrics node.cpu one node, 7 days by hour',
      path: `/api/reports/metrics?metric=node.cpu&bucket=hour&node=${node}&${week}`,
    },
    {
      name: 'metrics node.cpu, 24 h by minute',
      path: `/api/reports/metrics?metric=node.cpu&bucket=minute&from=${iso(now - DAY_MS)}&to=${to}`,
    },
    { name: 'usage by user per day, 30 days', path: `/api/reports/usage?period=day&groupBy=user&${month}` },
    { name: 'top apps, 30 days', path: `/api/reports/top?dimension=app&${month}` },
    { name: 'concurrency per hour, 7 days', path: `/api/reports/concurrency?period=hour&${week}` },
  ];
}

export interface QueryTiming extends ReportQuery {
  warmupMs: number;
  runsMs: number[];
  p50Ms: number;
  maxMs: number;
  rows: number;
  bytes: number;
}

async function timedCall(
  engine: MetricsEngineProcess,
  query: ReportQuery,
): Promise<{ ms: number; rows: number; bytes: number }> {
  const t0 = performance.now();
  const { status, body } = await engine.get(query.path);
  const ms = performance.now() - t0;
  if (status !== 200) throw new Error(`GET ${query.path} answered ${status}: ${body.slice(0, 500)}`);
  const parsed = JSON.parse(body) as { rows?: unknown };
  if (!Array.isArray(parsed.rows))
    throw new Error(`GET ${query.path} answered 200 without a rows array: ${body.slice(0, 300)}`);
  return { ms, rows: parsed.rows.length, bytes: Buffer.byteLength(body) };
}

/** One warm-up call, then `runs` timed calls, one after another. */
export async function timeQuery(
  engine: MetricsEngineProcess,
  query: ReportQuery,
  runs: number,
): Promise<QueryTiming> {
  const warmup = await timedCall(engine, query);
  const runsMs: number[] = [];
  let last = warmup;
  for (let r = 0; r < runs; r += 1) {
    last = await timedCall(engine, query);
    runsMs.push(Math.round(last.ms * 10) / 10);
  }
  const timing: QueryTiming = {
    ...query,
    warmupMs: Math.round(warmup.ms * 10) / 10,
    runsMs,
    p50Ms: percentile(runsMs, 50),
    maxMs: Math.max(...runsMs),
    rows: last.rows,
    bytes: last.bytes,
  };
  progress(
    `  ${query.name}: p50 ${formatNumber(timing.p50Ms)} ms, max ${formatNumber(timing.maxMs)} ms (warm-up ${formatNumber(timing.warmupMs)} ms; ${timing.rows} rows)`,
  );
  return timing;
}
