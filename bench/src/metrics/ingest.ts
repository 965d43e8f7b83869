// Ingestion: N events through the real TelemetryClient into the real engine, timed until PostgreSQL holds them
// all; and the same N rows by a raw COPY into a second database, the baseline of the same run.
import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { type SampleEvent } from '@webstream/contracts';
import { TelemetryClient, type TelemetryLogger } from '@webstream/telemetry-client';
import { from as copyFrom } from 'pg-copy-streams';
import { type MetricsEngineProcess } from '../engine';
import { connect, scalar } from '../postgres';
import { count, formatNumber, progress } from '../report';
import { machineCpuSeconds } from '../service';
import { csvChunks, timestampsAreUnique } from './events';

export const BATCH_SIZE = 5_000;
const FLUSH_INTERVAL_MS = 20;
const POLL_MS = 100;
const STALL_MS = 60_000;
const COUNT_SQL = 'SELECT count(*) AS value FROM "MetricSample"';

/** CPU seconds used by each party over a timed step (Linux only; undefined elsewhere). */
export interface CpuUse {
  wallSeconds: number;
  benchProcess: number;
  engine?: number;
  /** Everything busy on the machine: bench, engine, PostgreSQL and whatever else shares it. */
  machine?: number;
}

class CpuMeter {
  private constructor(
    private readonly engine: MetricsEngineProcess | undefined,
    private readonly t0: number,
    private readonly self: NodeJS.CpuUsage,
    private readonly engine0: number | undefined,
    private readonly machine0: number | undefined,
  ) {}

  static async start(engine?: MetricsEngineProcess): Promise<CpuMeter> {
    const engine0 = await engine?.cpuSeconds();
    const machine0 = (await machineCpuSeconds())?.busy;
    return new CpuMeter(engine, performance.now(), process.cpuUsage(), engine0, machine0);
  }

  async stop(): Promise<CpuUse> {
    const wallSeconds = (performance.now() - this.t0) / 1000;
    const self = process.cpuUsage(this.self);
    const engine1 = await this.engine?.cpuSeconds();
    const machine1 = (await machineCpuSeconds())?.busy;
    const round = (v: number): number => Math.round(v * 100) / 100;
    return {
      wallSeconds: round(wallSeconds),
      benchProcess: round((self.user + self.system) / 1e6),
      ...(engine1 !== undefined && this.engine0 !== undefined
        ? { engine: round(engine1 - this.engine0) }
        : {}),
      ...(machine1 !== undefined && this.machine0 !== undefined
        ? { machine: round(machine1 - this.machine0) }
        : {}),
    };
  }
}

export function describeCpu(cpu: CpuUse): string {
  const parts = [`bench process ${cpu.benchProcess.toFixed(1)} s`];
  if (cpu.engine !== undefined) parts.push(`engine ${cpu.engine.toFixed(1)} s`);
  if (cpu.machine !== undefined) parts.push(`whole machine ${cpu.machine.toFixed(1)} s`);
  return `CPU over ${cpu.wallSeconds.toFixed(1)} s wall: ${parts.join(', ')}`;
}

export interface EndToEndResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** How long record() of every event took (validation and buffering in the client). */
  recordSeconds: number;
  batches: number;
  /** Mean wall time per batch as the bench saw it, and as the engine's own request histogram saw it. */
  msPerBatch: number;
  engineMsPerBatch?: number;
  cpu: CpuUse;
}

/**
 * Records every event through a TelemetryClient (batchSize 5000), yielding to the event loop between batches
 * so sending overlaps recording, and polls count(*) every 100 ms until all N rows are in "MetricSample".
 */
export async function ingestEndToEnd(
  engine: MetricsEngineProcess,
  databaseUrl: string,
  events: readonly SampleEvent[],
  spoolDir: string,
  maxMemoryEvents: number,
  reporters: number,
): Promise<EndToEndResult> {
  const total = events.length;
  const problems: string[] = [];
  const logger: TelemetryLogger = {
    info: () => undefined,
    warn: (obj, msg) => {
      problems.push(msg);
      progress(`telemetry client warning: ${msg} ${JSON.stringify(obj)}`);
    },
    error: (obj, msg) => {
      problems.push(msg);
      progress(`telemetry client error: ${msg} ${JSON.stringify(obj)}`);
    },
  };
  const pg = await connect(databaseUrl);
  // Several services report at once in a deployment; each client sends one batch at a time, so the
  // number of reporting clients is the number of batches the engine may have in flight.
  const clients = await Promise.all(
    Array.from({ length: reporters }, (_, i) =>
      TelemetryClient.open({
        url: engine.url,
        serviceToken: engine.serviceToken,
        source: `session-host-${i + 1}`,
        spoolDir: join(spoolDir, `reporter-${i + 1}`),
        batchSize: BATCH_SIZE,
        flushIntervalMs: FLUSH_INTERVAL_MS,
        maxMemoryEvents,
        // A 5,000-event batch on a busy 2-core machine must not time out into a retry mid-measurement.
        requestTimeoutMs: 30_000,
        logger,
      }),
    ),
  );
  const statsOf = () => {
    const all = clients.map((c) => c.stats());
    const sum = (key: 'sentEvents' | 'memoryEvents' | 'diskBatches' | 'droppedEvents' | 'rejectedEvents') =>
      all.reduce((total, one) => total + one[key], 0);
    return {
      sentEvents: sum('sentEvents'),
      memoryEvents: sum('memoryEvents'),
      diskBatches: sum('diskBatches'),
      droppedEvents: sum('droppedEvents'),
      rejectedEvents: sum('rejectedEvents'),
    };
  };
  try {
    const before = await scalar(pg, COUNT_SQL);
    if (before !== 0) throw new Error(`"MetricSample" should start empty, holds ${before} rows`);
    progress(
      `end to end: recording ${count(total)} events through ${reporters} TelemetryClient(s) (batchSize ${BATCH_SIZE}, flushIntervalMs ${FLUSH_INTERVAL_MS}, maxMemoryEvents ${count(maxMemoryEvents)})`,
    );

    const cpu = await CpuMeter.start(engine);
    const t0 = performance.now();
    const recording = (async () => {
      for (let i = 0; i < total; i += 1) {
        clients[Math.floor(i / BATCH_SIZE) % reporters]!.record(events[i]!);
        if ((i + 1) % BATCH_SIZE === 0) await yieldToLoop();
      }
      return performance.now();
    })();

    let stored = 0;
    let lastChange = t0;
    let lastReport = t0;
    for (;;) {
      engine.assertRunning();
      const now = await scalar(pg, COUNT_SQL);
      const at = performance.now();
      if (now > total)
        throw new Error(
          `"MetricSample" holds ${count(now)} rows, more than the ${count(total)} sent: duplicates`,
        );
      if (now !== stored) {
        stored = now;
        lastChange = at;
      }
      if (stored === total) break;
      if (at - lastChange > STALL_MS) {
        throw new Error(
          `no progress for ${STALL_MS / 1000} s at ${count(stored)} / ${count(total)} rows; client stats ${JSON.stringify(statsOf())}`,
        );
      }
      if (at - lastReport >= 2_000) {
        lastReport = at;
        const s = statsOf();
        progress(
          `  ${count(stored)} / ${count(total)} stored after ${((at - t0) / 1000).toFixed(1)} s (client: ${count(s.sentEvents)} sent, ${count(s.memoryEvents)} in memory, ${s.diskBatches} batches spooled)`,
        );
      }
      await sleep(POLL_MS);
    }
    const t1 = performance.now();
    const usage = await cpu.stop();
    const recordedAt = await recording;

    // Nothing more may arrive: the client is drained, and a later count still says N.
    await Promise.all(clients.map((c) => c.flush()));
    await sleep(500);
    const stats = statsOf();
    // One query at a time: a pg client runs them in turn anyway.
    const rows = await scalar(pg, COUNT_SQL);
    const distinctAt = timestampsAreUnique(total)
      ? await scalar(pg, 'SELECT count(DISTINCT at) AS value FROM "MetricSample"')
      : total;
    const batchRows = await scalar(pg, 'SELECT count(*) AS value FROM "IngestBatch"');
    const batchEvents = await scalar(pg, 'SELECT coalesce(sum("itemCount"), 0) AS value FROM "IngestBatch"');
    const wrong: string[] = [];
    if (rows !== total)
      wrong.push(`"MetricSample" holds ${count(rows)} rows, expected exactly ${count(total)}`);
    if (distinctAt !== total)
      wrong.push(
        `${count(distinctAt)} distinct timestamps among ${count(total)} events that each have their own`,
      );
    if (batchEvents !== total)
      wrong.push(`"IngestBatch" accounts for ${count(batchEvents)} events, expected ${count(total)}`);
    if (stats.sentEvents !== total) wrong.push(`the client says it sent ${count(stats.sentEvents)} events`);
    if (stats.droppedEvents || stats.rejectedEvents) {
      wrong.push(`the client dropped ${stats.droppedEvents} and had ${stats.rejectedEvents} rejected`);
    }
    if (wrong.length)
      throw new Error(`end-to-end ingestion lost or doubled events:\n  ${wrong.join('\n  ')}`);

    await Promise.all(clients.map((c) => c.close()));
    const leftovers = (await Promise.all(clients.map((_, i) => readdir(join(spoolDir, `reporter-${i + 1}`)))))
      .flat()
      .filter((name) => name.endsWith('.json'));
    if (leftovers.length)
      throw new Error(`the spool still holds ${leftovers.length} batches after a drained close()`);

    const seconds = (t1 - t0) / 1000;
    const served = await engine.serverTime('POST', '/api/ingest');
    const result: EndToEndResult = {
      events: total,
      seconds,
      eventsPerSecond: total / seconds,
      recordSeconds: (recordedAt - t0) / 1000,
      batches: batchRows,
      msPerBatch: (seconds * 1000) / batchRows,
      ...(served.requests > 0 ? { engineMsPerBatch: (served.seconds * 1000) / served.requests } : {}),
      cpu: usage,
    };
    progress(
      `end to end: ${count(total)} events in ${seconds.toFixed(2)} s = ${formatNumber(result.eventsPerSecond)} events/s (${batchRows} batches; record() done after ${result.recordSeconds.toFixed(2)} s; verified exactly ${count(total)} rows, no loss, no duplicates)`,
    );
    progress(`  ${describeCpu(usage)}`);
    if (result.engineMsPerBatch !== undefined) {
      progress(
        `  per batch of ${BATCH_SIZE}: ${result.msPerBatch.toFixed(0)} ms end to end, of which ${result.engineMsPerBatch.toFixed(0)} ms inside the engine (its POST /api/ingest histogram, ${served.requests} requests)`,
      );
    }
    if (problems.length) progress(`  the client reported ${problems.length} warnings/errors (see above)`);
    return result;
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await pg.end();
  }
}

export interface CopyResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  cpu: CpuUse;
}

/** COPY "MetricSample" (the same six columns) FROM STDIN in CSV, one statement, the rows prepared beforehand. */
export async function copyBaseline(databaseUrl: string, events: readonly SampleEvent[]): Promise<CopyResult> {
  const chunks = csvChunks(events);
  const pg = await connect(databaseUrl);
  try {
    progress(`COPY baseline: ${count(events.length)} rows into "MetricSample" of a second fresh database`);
    const cpu = await CpuMeter.start();
    const t0 = performance.now();
    const copy = pg.query(
      copyFrom(
        'COPY "MetricSample" ("metric", "value", "at", "node", "sessionId", "streamerGuid") FROM STDIN WITH (FORMAT csv)',
      ),
    );
    await pipeline(Readable.from(chunks), copy);
    const seconds = (performance.now() - t0) / 1000;
    const usage = await cpu.stop();
    const rows = await scalar(pg, COUNT_SQL);
    if (rows !== events.length)
      throw new Error(`COPY left ${count(rows)} rows, expected ${count(events.length)}`);
    const result = { rows, seconds, rowsPerSecond: rows / seconds, cpu: usage };
    progress(
      `COPY baseline: ${count(rows)} rows in ${seconds.toFixed(2)} s = ${formatNumber(result.rowsPerSecond)} rows/s`,
    );
    progress(`  ${describeCpu(usage)}`);
    return result;
  } finally {
    await pg.end();
  }
}
