// bench/metrics: events per second ingested end to end against a raw COPY of the same rows in the same run,
// and report query latency over millions of samples, all against the real metrics engine process.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applyMigrations, type MigrationSource } from '@webstream/db';
import { MetricsEngineProcess } from '../engine';
import { connect } from '../postgres';
import { count, progress } from '../report';
import { WORKSPACE_ROOT } from '../service';
import { type Suite, type SuiteContext } from '../suite';
import { sampleEvents } from './events';
import { BATCH_SIZE, copyBaseline, ingestEndToEnd } from './ingest';
import { fillSamples, fillUsageSessions, reportQueries, timeQuery, type QueryTiming } from './queries';

/** The targets for end-to-end ingestion. */
export const TARGET_EVENTS_PER_SECOND = 20_000;
export const TARGET_COPY_RATIO = 0.5;

const ENGINE_MIGRATIONS: MigrationSource = {
  schemaPath: resolve(WORKSPACE_ROOT, 'apps/metrics-engine/prisma/schema.prisma'),
  migrationsDir: resolve(WORKSPACE_ROOT, 'apps/metrics-engine/prisma/migrations'),
};

async function run(context: SuiteContext): Promise<void> {
  const { options, postgres, cleanup, record, detail } = context;

  const workDir = await mkdtemp(join(tmpdir(), 'webstream-bench-'));
  cleanup.add('remove the temporary folder', () => rm(workDir, { recursive: true, force: true }));
  const database = await postgres.createDatabase('ws_bench_metrics');
  cleanup.add('drop the bench database', () => database.drop());
  const engine = await MetricsEngineProcess.start({ databaseUrl: database.url, cwd: workDir });
  cleanup.add('stop the metrics engine', () => engine.stop());

  // 1. End to end, then the COPY baseline of the very same rows.
  const events = sampleEvents(options.events);
  const maxMemoryEvents = options.clientMemoryEvents ?? Math.max(10_000, options.events);
  const e2e = await ingestEndToEnd(
    engine,
    database.url,
    events,
    join(workDir, 'spool'),
    maxMemoryEvents,
    options.reporters,
  );
  detail('endToEnd', { ...e2e, maxMemoryEvents, reporters: options.reporters });

  const copyDatabase = await postgres.createDatabase('ws_bench_copy');
  cleanup.add('drop the COPY database', () => copyDatabase.drop());
  await applyMigrations(copyDatabase.url, ENGINE_MIGRATIONS);
  const copy = await copyBaseline(copyDatabase.url, events);
  detail('copy', copy);
  await copyDatabase.drop();

  record({
    name: `ingest end to end (${options.reporters} TelemetryClient(s) → engine → PostgreSQL), ${count(e2e.events)} events`,
    value: e2e.eventsPerSecond,
    unit: 'events/s',
    baseline: { name: 'COPY FROM STDIN of the same rows', value: copy.rowsPerSecond },
    targets: [
      { of: 'value', op: '>=', threshold: TARGET_EVENTS_PER_SECOND },
      { of: 'ratio', op: '>=', threshold: TARGET_COPY_RATIO },
    ],
  });
  if (e2e.engineMsPerBatch !== undefined) {
    record({
      name: `engine time per ingest request of ${count(BATCH_SIZE)} events (server side, mean)`,
      value: e2e.engineMsPerBatch,
      unit: 'ms',
    });
  }
  record({
    name: `raw COPY of the same ${count(copy.rows)} rows (baseline)`,
    value: copy.rowsPerSecond,
    unit: 'rows/s',
  });
  record({
    name: `TelemetryClient.record() loop, ${count(e2e.events)} events (sends interleaved)`,
    value: e2e.events / e2e.recordSeconds,
    unit: 'events/s',
  });

  // 2. Report latency over many samples.
  const pg = await connect(database.url);
  cleanup.add('close the database connection', () => pg.end());
  const fillNow = Date.now();
  const fill = await fillSamples(pg, options.samples, fillNow);
  detail('fill', fill);
  record({
    name: `fill "MetricSample" to ${count(fill.total)} rows (INSERT … generate_series)`,
    value: fill.rowsPerSecond,
    unit: 'rows/s',
  });
  const usageSessions = await fillUsageSessions(pg, options.usageSessions, fillNow);
  detail('usageSessions', usageSessions);

  engine.assertRunning();
  progress(
    `timing report queries over ${count(fill.total)} samples and ${count(usageSessions)} usage sessions: 1 warm-up + ${options.runs} runs each`,
  );
  const timings: QueryTiming[] = [];
  const timeAll = async (state: string): Promise<void> => {
    for (const query of reportQueries(Date.now())) {
      const timing = await timeQuery(engine, query, options.runs);
      timings.push(timing);
      record({ name: `GET ${query.name} (${state}): p50`, value: timing.p50Ms, unit: 'ms' });
      record({ name: `GET ${query.name} (${state}): max`, value: timing.maxMs, unit: 'ms' });
    }
  };
  // First straight after a bulk fill (raw samples only), then as the engine keeps it: the retention job
  // has summarised complete hours, which hour and day buckets read instead of raw samples.
  await timeAll('raw only');
  progress('running the retention job (POST /api/retention/run) to summarise complete hours');
  const started = performance.now();
  const job = await fetch(`${engine.url}/api/retention/run`, {
    method: 'POST',
    headers: { authorization: `Bearer ${engine.serviceToken}` },
  });
  if (job.status !== 200)
    throw new Error(`POST /api/retention/run answered ${job.status}: ${await job.text()}`);
  record({
    name: `retention job over ${count(fill.total)} samples (summarise every hour)`,
    value: (performance.now() - started) / 1000,
    unit: 's',
  });
  await timeAll('summarised');
  detail('queries', timings);
  engine.assertRunning();
}

export const metricsSuite: Suite = {
  name: 'metrics',
  description: 'metrics engine: end-to-end ingestion vs raw COPY, report latency over millions of samples',
  run,
};
