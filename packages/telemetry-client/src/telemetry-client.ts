// The buffered, lossless telemetry client: record() never blocks, batches go out oldest first, nothing is lost
// while the metrics engine is down or restarting (memory up to a bound, then a spool folder on disk).
import { randomUUID } from 'node:crypto';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import {
  MAX_TELEMETRY_BATCH_EVENTS,
  telemetryBatchSchema,
  telemetryEventSchema,
  type TelemetryBatch,
  type TelemetryEvent,
} from '@webstream/contracts';
import { currentTraceparent } from '@webstream/service-kit';
import { type Registry } from 'prom-client';
import { backoffDelay } from './backoff';
import { attachMetrics, type ClientMetrics } from './metrics';
import {
  errorCode,
  readJsonFile,
  REJECTED_DIR,
  scanSpool,
  spoolFileName,
  unlinkIfPresent,
  writeFileAtomic,
  type SpoolEntry,
} from './spool';
import { describeSendError, IngestFailedError, IngestRejectedError, IngestTransport } from './transport';

/** `event` as record() was given it: a caller past the type checker may hand it anything. */
function withTraceOfThisRequest(event: TelemetryEvent): TelemetryEvent {
  if (typeof event !== 'object' || event === null) return event;
  if (event.kind === 'sample' || event.traceparent !== undefined) return event;
  const traceparent = currentTraceparent();
  return traceparent === undefined ? event : { ...event, traceparent };
}

export interface TelemetryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The configuration's part of a client: where the engine is, the token, and how it buffers. */
export type TelemetrySettings = Pick<
  TelemetryClientOptions,
  'url' | 'serviceToken' | 'spoolDir' | 'maxMemoryEvents' | 'batchSize' | 'flushIntervalMs'
>;

export interface TelemetryClientOptions {
  /** Metrics engine base URL, e.g. http://localhost:9009. */
  url: string;
  serviceToken: string;
  /** Reporting service name, e.g. 'session-host'. */
  source: string;
  /** Folder for spilled batches, created if missing; one folder per client instance. */
  spoolDir: string;
  /** Events held in memory before the oldest are spilled to the spool. Default 10_000. */
  maxMemoryEvents?: number;
  /** Events per batch. Default 500, at most 5000. */
  batchSize?: number;
  /** How often whatever is buffered is sent. Default 1_000. */
  flushIntervalMs?: number;
  /** Bound of one ingest request. Default 5_000. */
  requestTimeoutMs?: number;
  /** Ceiling of the retry back-off. Default 30_000. */
  maxBackoffMs?: number;
  logger?: TelemetryLogger;
  /**
   * When given: telemetry_client_buffered_events{location="memory"|"disk"} gauge and the counters
   * telemetry_client_sent_events_total, telemetry_client_rejected_events_total,
   * telemetry_client_dropped_events_total and telemetry_client_send_failures_total.
   */
  registry?: Registry;
}

export interface TelemetryClientStats {
  /** Events held only in memory (not yet spooled). */
  memoryEvents: number;
  /** Batches in the spool folder (or being written to it), waiting to be sent. */
  diskBatches: number;
  /** Events the engine accepted (a duplicate of an already stored batch counts: it is stored). */
  sentEvents: number;
  /** Events of batches the engine refused as invalid, kept in <spoolDir>/rejected/. */
  rejectedEvents: number;
  /** Events never buffered: invalid, recorded after close(), or no room while the spool could not be written. */
  droppedEvents: number;
  /** Why the last send failed; cleared by the next successful send. */
  lastError?: string;
}

interface ResolvedOptions {
  url: string;
  serviceToken: string;
  source: string;
  spoolDir: string;
  maxMemoryEvents: number;
  batchSize: number;
  flushIntervalMs: number;
  requestTimeoutMs: number;
  maxBackoffMs: number;
}

/** Where a cut batch lives: only in memory, on its way to the spool, or only in the spool. */
type BatchLocation = 'memory' | 'writing' | 'disk';

/** A batch is cut once, gets its idempotency key then, and keeps both its events and key until the engine has it. */
interface QueuedBatch {
  readonly idempotencyKey: string;
  readonly eventCount: number;
  /** Ordinal of its first event in this run; -1 for batches an earlier run spooled (older than anything recorded now). */
  readonly firstOrdinal: number;
  /** Its file under spoolDir, whether or not written yet. */
  readonly fileName: string;
  /** Held in memory unless location is 'disk'. */
  events: TelemetryEvent[] | undefined;
  location: BatchLocation;
  /** The spool write, resolving true once the file is complete, false if the write failed. */
  written: Promise<boolean> | undefined;
  inFlight: boolean;
  settled: boolean;
}

interface FlushWaiter {
  readonly goal: number;
  readonly resolve: () => void;
}

type PumpExit = 'idle' | 'failed' | 'stopped';

const DEFAULTS = {
  maxMemoryEvents: 10_000,
  batchSize: 500,
  flushIntervalMs: 1_000,
  requestTimeoutMs: 5_000,
  maxBackoffMs: 30_000,
} as const;

/** After a failed spool write, memory may grow to this multiple of maxMemoryEvents before new events are dropped. */
const SPOOL_FAILURE_MEMORY_FACTOR = 2;
const SPOOL_RETRY_AFTER_MS = 1_000;
/** Repeated warnings about dropped events are folded into one per this period. */
const DROP_WARN_INTERVAL_MS = 10_000;
const COMPACT_AFTER = 4_096;
const SOURCE_SCHEMA = telemetryBatchSchema.shape.source;

const stderrLogger: TelemetryLogger = {
  info: () => undefined,
  warn: (obj, msg) => writeStderr('warn', obj, msg),
  error: (obj, msg) => writeStderr('error', obj, msg),
};

function writeStderr(level: string, obj: object, msg: string): void {
  process.stderr.write(`${JSON.stringify({ level, name: 'telemetry-client', ...obj, msg })}\n`);
}

export class TelemetryClient {
  private readonly options: ResolvedOptions;
  private readonly log: TelemetryLogger;
  private readonly transport: IngestTransport;
  private readonly metrics: ClientMetrics | undefined;
  private readonly timer: NodeJS.Timeout;

  /** Events not yet cut into a batch, oldest at pendingHead. */
  private pending: TelemetryEvent[] = [];
  private pendingHead = 0;
  /** Ordinal of pending[pendingHead]: every accepted event of this run gets the next ordinal. */
  private headOrdinal = 0;
  /** Cut batches, oldest first; all of them are older than every pending event. */
  private readonly batches: QueuedBatch[] = [];
  private nextSeq: number;

  private batchMemoryEvents = 0;
  private diskBatches = 0;
  private diskEvents = 0;
  private sentEvents = 0;
  private rejectedEvents = 0;
  private droppedEvents = 0;
  private lastError: string | undefined;

  /** Events with an ordinal below this are sent without waiting for a full batch (set by the timer and flush()). */
  private sendThrough = 0;
  private waiters: FlushWaiter[] = [];
  private pump: Promise<void> | undefined;
  private inFlightAbort: AbortController | undefined;
  private consecutiveFailures = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  private writeChain: Promise<void> = Promise.resolve();
  private spoolFailingUntil = 0;

  private closing = false;
  private stopSending = false;
  private closed: Promise<void> | undefined;
  private droppedSinceWarn = 0;
  private lastDropWarnAt = Number.NEGATIVE_INFINITY;

  private constructor(
    options: ResolvedOptions,
    log: TelemetryLogger,
    spooled: SpoolEntry[],
    registry?: Registry,
  ) {
    this.options = options;
    this.log = log;
    this.transport = new IngestTransport({
      url: options.url,
      serviceToken: options.serviceToken,
      requestTimeoutMs: options.requestTimeoutMs,
      // A circuit that stays open longer than the longest back-off would make that setting meaningless.
      breakerResetMs: Math.min(5_000, Math.max(100, options.maxBackoffMs)),
      name: `telemetry-client:${options.source}`,
    });
    for (const entry of spooled) {
      this.batches.push({
        idempotencyKey: entry.idempotencyKey,
        eventCount: entry.eventCount,
        firstOrdinal: -1,
        fileName: entry.name,
        events: undefined,
        location: 'disk',
        written: undefined,
        inFlight: false,
        settled: false,
      });
      this.diskBatches += 1;
      this.diskEvents += entry.eventCount;
    }
    this.nextSeq = (spooled.at(-1)?.seq ?? -1) + 1;
    this.metrics = registry
      ? attachMetrics(registry, () => ({ memoryEvents: this.memoryEvents(), diskEvents: this.diskEvents }))
      : undefined;
    this.timer = setInterval(() => this.onTimer(), options.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * A service's client as its configuration describes it (the engine, the service token, `telemetry.*`), its
   * spool in a folder of its own under `settings.spoolDir`: two clients never share a spool.
   */
  static openFor(
    source: string,
    spoolFolder: string,
    settings: TelemetrySettings,
    observers: Pick<TelemetryClientOptions, 'registry' | 'logger'>,
  ): Promise<TelemetryClient> {
    return TelemetryClient.open({
      ...settings,
      ...observers,
      source,
      spoolDir: path.join(settings.spoolDir, spoolFolder),
    });
  }

  /** Creates the spool folder if missing, picks up batches spooled by an earlier run and starts the send timer. */
  static async open(options: TelemetryClientOptions): Promise<TelemetryClient> {
    const resolved = resolveOptions(options);
    const log = options.logger ?? stderrLogger;
    const scan = await scanSpool(resolved.spoolDir);
    if (scan.unknown.length > 0) {
      log.warn(
        { spoolDir: resolved.spoolDir, files: scan.unknown.slice(0, 20) },
        'ignoring unknown files in the telemetry spool',
      );
    }
    const client = new TelemetryClient(resolved, log, scan.entries, options.registry);
    if (scan.entries.length > 0) {
      log.info(
        { spoolDir: resolved.spoolDir, batches: scan.entries.length, events: client.diskEvents },
        'resuming telemetry spooled by an earlier run',
      );
      client.kick();
    }
    return client;
  }

  /**
   * Buffers one event. Synchronous and O(1) amortised; never throws and never waits on I/O. An event that fails
   * telemetryEventSchema is dropped with a warning and counted in stats().droppedEvents. An activity, audit or usage
   * event recorded while a traced request is served carries that request's traceparent, unless it names its own.
   */
  record(event: TelemetryEvent): void {
    try {
      if (this.closing) {
        this.drop('telemetry client is closed', {});
        return;
      }
      const parsed = telemetryEventSchema.safeParse(withTraceOfThisRequest(event));
      if (!parsed.success) {
        const issues = parsed.error.issues
          .slice(0, 5)
          .map((i) => ({ path: i.path.join('.'), message: i.message }));
        this.drop('invalid telemetry event', { issues });
        return;
      }
      const spoolFailing = Date.now() < this.spoolFailingUntil;
      if (spoolFailing && this.memoryEvents() >= this.options.maxMemoryEvents * SPOOL_FAILURE_MEMORY_FACTOR) {
        this.drop('telemetry buffer full and the spool cannot be written', {});
        return;
      }
      this.pending.push(parsed.data);
      if (!spoolFailing && this.memoryEvents() > this.options.maxMemoryEvents) this.spill();
      if (this.retryTimer === undefined && this.pendingCount() >= this.options.batchSize) this.kick();
    } catch (err) {
      try {
        this.log.error({ err: describeSendError(err) }, 'telemetry record failed');
      } catch {
        // A throwing logger must not make record() throw.
      }
    }
  }

  /**
   * Sends what is buffered now (spooled batches first) until it is all delivered, or until one send fails; then it
   * resolves and the timer keeps retrying with back-off. Never rejects.
   */
  async flush(): Promise<void> {
    if (this.stopSending) return;
    const goal = this.recordedOrdinal();
    if (this.oldestUnsentOrdinal() >= goal) return;
    this.sendThrough = Math.max(this.sendThrough, goal);
    const reached = new Promise<void>((resolve) => this.waiters.push({ goal, resolve }));
    this.kick();
    await reached;
  }

  /**
   * Stops the timer, tries one last flush bounded by requestTimeoutMs, then writes everything still in memory to
   * the spool (a later client on the same spoolDir sends it). Idempotent; never rejects.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  stats(): TelemetryClientStats {
    return {
      memoryEvents: this.memoryEvents(),
      diskBatches: this.diskBatches,
      sentEvents: this.sentEvents,
      rejectedEvents: this.rejectedEvents,
      droppedEvents: this.droppedEvents,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  // ---- buffer ----

  private pendingCount(): number {
    return this.pending.length - this.pendingHead;
  }

  private memoryEvents(): number {
    return this.pendingCount() + this.batchMemoryEvents;
  }

  /** Ordinal the next recorded event will get. */
  private recordedOrdinal(): number {
    return this.headOrdinal + this.pendingCount();
  }

  /** Ordinal of the oldest event not yet delivered or rejected (batches from an earlier run count as -1). */
  private oldestUnsentOrdinal(): number {
    return this.batches[0]?.firstOrdinal ?? this.headOrdinal;
  }

  /** Cuts the oldest pending events into a new batch with a fresh idempotency key, held in memory. */
  private cutBatch(count: number): QueuedBatch {
    const events = this.pending.slice(this.pendingHead, this.pendingHead + count);
    this.pendingHead += events.length;
    const firstOrdinal = this.headOrdinal;
    this.headOrdinal += events.length;
    if (this.pendingHead === this.pending.length) {
      this.pending = [];
      this.pendingHead = 0;
    } else if (this.pendingHead >= COMPACT_AFTER && this.pendingHead * 2 >= this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
    const idempotencyKey = randomUUID();
    const batch: QueuedBatch = {
      idempotencyKey,
      eventCount: events.length,
      firstOrdinal,
      fileName: spoolFileName(this.nextSeq++, events.length, idempotencyKey),
      events,
      location: 'memory',
      written: undefined,
      inFlight: false,
      settled: false,
    };
    this.batchMemoryEvents += events.length;
    this.batches.push(batch);
    return batch;
  }

  /** Moves the oldest in-memory events to the spool until memory is back within maxMemoryEvents. */
  private spill(): void {
    while (this.memoryEvents() > this.options.maxMemoryEvents) {
      // Cut batches held in memory are rare (a failed send, a failed spool write): skip the scan when there are none.
      const held =
        this.batchMemoryEvents > 0
          ? this.batches.find((b) => b.location === 'memory' && !b.inFlight)
          : undefined;
      if (held) {
        this.spoolBatch(held);
        continue;
      }
      const count = Math.min(this.options.batchSize, this.pendingCount());
      if (count === 0) return;
      this.spoolBatch(this.cutBatch(count));
    }
  }

  /** Starts writing a memory batch to the spool, on the single ordered write chain; does not wait for it. */
  private spoolBatch(batch: QueuedBatch): void {
    const events = batch.events;
    if (batch.location !== 'memory' || events === undefined) return;
    batch.location = 'writing';
    this.batchMemoryEvents -= batch.eventCount;
    this.diskBatches += 1;
    this.diskEvents += batch.eventCount;
    const file = path.join(this.options.spoolDir, batch.fileName);
    const body: TelemetryBatch = {
      idempotencyKey: batch.idempotencyKey,
      source: this.options.source,
      events,
    };
    batch.written = this.enqueueWrite(() => writeFileAtomic(file, JSON.stringify(body))).then(
      () => {
        if (batch.location === 'writing') {
          batch.location = 'disk';
          batch.events = undefined;
        }
        return true;
      },
      (err: unknown) => {
        this.spoolFailingUntil = Date.now() + SPOOL_RETRY_AFTER_MS;
        this.log.error(
          { err: describeSendError(err), file, events: batch.eventCount },
          'could not write telemetry to the spool; keeping it in memory',
        );
        if (!batch.settled && batch.location === 'writing') {
          batch.location = 'memory';
          this.batchMemoryEvents += batch.eventCount;
          this.diskBatches -= 1;
          this.diskEvents -= batch.eventCount;
        }
        return false;
      },
    );
  }

  private enqueueWrite(task: () => Promise<void>): Promise<void> {
    const run = this.writeChain.then(task);
    this.writeChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private drop(reason: string, details: object): void {
    this.droppedEvents += 1;
    this.metrics?.droppedEvents.inc();
    this.droppedSinceWarn += 1;
    const now = Date.now();
    if (now - this.lastDropWarnAt < DROP_WARN_INTERVAL_MS) return;
    this.log.warn(
      { ...details, dropped: this.droppedSinceWarn, droppedTotal: this.droppedEvents },
      `${reason}; dropped`,
    );
    this.lastDropWarnAt = now;
    this.droppedSinceWarn = 0;
  }

  // ---- sending ----

  private onTimer(): void {
    if (this.closing || this.retryTimer !== undefined) return;
    this.sendThrough = Math.max(this.sendThrough, this.recordedOrdinal());
    this.kick();
  }

  /** Starts the single send loop unless it is already running. */
  private kick(): void {
    if (this.pump !== undefined || this.stopSending) return;
    this.pump = this.runPump().then(
      (exit) => this.afterPump(exit),
      (err: unknown) => {
        this.log.error({ err: describeSendError(err) }, 'telemetry send loop failed');
        this.afterPump('failed');
      },
    );
  }

  private afterPump(exit: PumpExit): void {
    this.pump = undefined;
    if (exit !== 'idle') {
      this.resolveWaiters(true);
      return;
    }
    this.resolveWaiters(false);
    // A flush() that arrived while the loop was finishing still has its goal ahead.
    if (this.waiters.length > 0) this.kick();
  }

  private resolveWaiters(all: boolean): void {
    if (this.waiters.length === 0) return;
    const oldest = this.oldestUnsentOrdinal();
    const keep: FlushWaiter[] = [];
    for (const waiter of this.waiters) {
      if (all || waiter.goal <= oldest) waiter.resolve();
      else keep.push(waiter);
    }
    this.waiters = keep;
  }

  /** Sends batches one at a time, oldest first, until nothing is due, a send fails, or close() stops it. */
  private async runPump(): Promise<PumpExit> {
    while (!this.stopSending) {
      const batch = this.nextBatch();
      if (!batch) return 'idle';
      const settled = await this.sendBatch(batch);
      this.resolveWaiters(false);
      if (!settled) return 'failed';
    }
    return 'stopped';
  }

  /** The oldest cut batch; else a new one from pending events when a full batch waits or the timer/flush asked. */
  private nextBatch(): QueuedBatch | undefined {
    const head = this.batches[0];
    if (head) return head;
    const count = this.pendingCount();
    if (count === 0) return undefined;
    if (count >= this.options.batchSize || this.headOrdinal < this.sendThrough) {
      return this.cutBatch(Math.min(count, this.options.batchSize));
    }
    return undefined;
  }

  /** One attempt at the head batch. True when it left the queue (delivered or rejected), false to retry later. */
  private async sendBatch(batch: QueuedBatch): Promise<boolean> {
    batch.inFlight = true;
    const abort = new AbortController();
    this.inFlightAbort = abort;
    try {
      let body: TelemetryBatch | undefined;
      try {
        body = await this.batchBody(batch);
      } catch (err) {
        // The spool folder itself failing (permissions, I/O): keep the batch and retry with back-off.
        this.onSendFailure(err);
        return false;
      }
      if (!body) return true;
      try {
        await this.transport.send(body, abort.signal);
      } catch (err) {
        if (err instanceof IngestRejectedError) {
          await this.reject(batch, body, err);
          return true;
        }
        this.onSendFailure(err);
        return false;
      }
      await this.removeFromSpool(batch);
      this.settle(batch);
      this.sentEvents += body.events.length;
      this.metrics?.sentEvents.inc(body.events.length);
      this.onSendSuccess();
      return true;
    } finally {
      abort.abort();
      this.inFlightAbort = undefined;
      batch.inFlight = false;
    }
  }

  /** The batch as sent: from memory, or read back from its spool file (moved to rejected/ if unreadable). */
  private async batchBody(batch: QueuedBatch): Promise<TelemetryBatch | undefined> {
    if (batch.events) {
      return { idempotencyKey: batch.idempotencyKey, source: this.options.source, events: batch.events };
    }
    const file = path.join(this.options.spoolDir, batch.fileName);
    let content: unknown;
    try {
      content = await readJsonFile(file);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') {
        this.log.error({ file }, 'spooled telemetry batch disappeared; skipping it');
        this.settle(batch);
        return undefined;
      }
      if (!(err instanceof SyntaxError)) throw err;
      content = undefined;
    }
    const parsed = telemetryBatchSchema.safeParse(content);
    if (parsed.success) return parsed.data;
    this.log.error(
      { file, rejectedDir: path.join(this.options.spoolDir, REJECTED_DIR) },
      'spooled telemetry batch is unreadable or invalid; moved it to the rejected folder',
    );
    await this.moveToRejected(batch, undefined);
    this.settle(batch);
    this.rejectedEvents += batch.eventCount;
    this.metrics?.rejectedEvents.inc(batch.eventCount);
    return undefined;
  }

  private async reject(batch: QueuedBatch, body: TelemetryBatch, err: IngestRejectedError): Promise<void> {
    const rejectedDir = path.join(this.options.spoolDir, REJECTED_DIR);
    this.log.error(
      {
        status: err.status,
        code: err.body?.code,
        message: err.body?.message,
        fields: err.body?.fields,
        errorId: err.body?.errorId,
        correlationId: err.body?.correlationId,
        idempotencyKey: body.idempotencyKey,
        events: body.events.length,
        rejectedDir,
      },
      'metrics engine rejected a telemetry batch as invalid; moved it to the rejected folder and going on',
    );
    this.lastError = err.message;
    await this.moveToRejected(batch, body);
    this.settle(batch);
    this.rejectedEvents += body.events.length;
    this.metrics?.rejectedEvents.inc(body.events.length);
    // The engine answered: it is up, so the back-off starts over.
    this.consecutiveFailures = 0;
  }

  /** Renames the spool file into rejected/, or writes the batch there if it never reached the spool. */
  private async moveToRejected(batch: QueuedBatch, body: TelemetryBatch | undefined): Promise<void> {
    const file = path.join(this.options.spoolDir, batch.fileName);
    const target = path.join(this.options.spoolDir, REJECTED_DIR, batch.fileName);
    try {
      const onDisk = batch.written ? await batch.written : batch.location === 'disk';
      if (onDisk) await rename(file, target);
      else if (body) await this.enqueueWrite(() => writeFileAtomic(target, JSON.stringify(body)));
    } catch (err) {
      this.log.error(
        { err: describeSendError(err), file, target },
        'could not keep a rejected telemetry batch',
      );
    }
  }

  private async removeFromSpool(batch: QueuedBatch): Promise<void> {
    const onDisk = batch.written ? await batch.written : batch.location === 'disk';
    if (!onDisk) return;
    const file = path.join(this.options.spoolDir, batch.fileName);
    try {
      await unlinkIfPresent(file);
    } catch (err) {
      // Left behind, it is sent again by a later run under the same key, and the engine stores it once.
      this.log.warn(
        { err: describeSendError(err), file },
        'could not delete a delivered telemetry batch from the spool',
      );
    }
  }

  /** Takes a delivered or rejected batch off the queue. */
  private settle(batch: QueuedBatch): void {
    if (batch.settled) return;
    batch.settled = true;
    const index = this.batches.indexOf(batch);
    if (index === 0) this.batches.shift();
    else if (index > 0) this.batches.splice(index, 1);
    switch (batch.location) {
      case 'memory':
        this.batchMemoryEvents -= batch.eventCount;
        break;
      case 'writing':
      case 'disk':
        this.diskBatches -= 1;
        this.diskEvents -= batch.eventCount;
        break;
    }
    batch.events = undefined;
  }

  private onSendSuccess(): void {
    this.consecutiveFailures = 0;
    this.lastError = undefined;
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
  }

  private onSendFailure(err: unknown): void {
    this.consecutiveFailures += 1;
    this.lastError = describeSendError(err);
    this.metrics?.sendFailures.inc();
    const retryInMs = backoffDelay(this.consecutiveFailures, this.options.maxBackoffMs);
    const details = {
      err: this.lastError,
      attempt: this.consecutiveFailures,
      retryInMs: this.closing ? undefined : retryInMs,
      memoryEvents: this.memoryEvents(),
      diskBatches: this.diskBatches,
    };
    if (err instanceof IngestFailedError && err.isAuthFailure) {
      this.log.error(
        { ...details, status: err.status, code: err.body?.code },
        'metrics engine refused the service token; keeping telemetry and retrying',
      );
    } else {
      this.log.warn(details, 'could not send telemetry to the metrics engine; keeping it and retrying');
    }
    if (this.closing) return;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.onTimer();
    }, retryInMs);
    this.retryTimer.unref();
  }

  // ---- close ----

  private async shutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    // Deliberately not unref()ed: until close() is done, memory still holds data the spool has not got.
    const deadline = setTimeout(() => {
      this.stopSending = true;
      this.inFlightAbort?.abort();
    }, this.options.requestTimeoutMs);
    try {
      await this.flush();
      this.stopSending = true;
      await this.pump;
    } finally {
      clearTimeout(deadline);
      this.stopSending = true;
    }
    for (const batch of this.batches) {
      if (batch.location === 'memory') this.spoolBatch(batch);
    }
    while (this.pendingCount() > 0) {
      this.spoolBatch(this.cutBatch(Math.min(this.options.batchSize, this.pendingCount())));
    }
    await this.writeChain;
    await Promise.all(this.batches.flatMap((b) => (b.written ? [b.written] : [])));
    const unsaved = this.memoryEvents();
    if (unsaved > 0) {
      this.log.error(
        { events: unsaved, spoolDir: this.options.spoolDir },
        'could not spool telemetry on close; it is lost',
      );
    }
    this.transport.shutdown();
    this.metrics?.detach();
    this.resolveWaiters(true);
  }
}

function resolveOptions(options: TelemetryClientOptions): ResolvedOptions {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError(
      `telemetry client: url must be an absolute http(s) URL, got ${JSON.stringify(options.url)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`telemetry client: url must be http(s), got ${url.protocol}`);
  }
  if (typeof options.serviceToken !== 'string' || options.serviceToken.length === 0) {
    throw new TypeError('telemetry client: serviceToken is required');
  }
  if (!SOURCE_SCHEMA.safeParse(options.source).success) {
    throw new TypeError(
      `telemetry client: source must be a service name such as session-host, got ${JSON.stringify(options.source)}`,
    );
  }
  if (typeof options.spoolDir !== 'string' || options.spoolDir.length === 0) {
    throw new TypeError('telemetry client: spoolDir is required');
  }
  return {
    url: options.url.replace(/\/+$/, ''),
    serviceToken: options.serviceToken,
    source: options.source,
    spoolDir: path.resolve(options.spoolDir),
    maxMemoryEvents: positiveInt('maxMemoryEvents', options.maxMemoryEvents, DEFAULTS.maxMemoryEvents),
    batchSize: positiveInt('batchSize', options.batchSize, DEFAULTS.batchSize, MAX_TELEMETRY_BATCH_EVENTS),
    flushIntervalMs: positiveInt('flushIntervalMs', options.flushIntervalMs, DEFAULTS.flushIntervalMs),
    requestTimeoutMs: positiveInt('requestTimeoutMs', options.requestTimeoutMs, DEFAULTS.requestTimeoutMs),
    maxBackoffMs: positiveInt('maxBackoffMs', options.maxBackoffMs, DEFAULTS.maxBackoffMs),
  };
}

function positiveInt(
  name: string,
  value: number | undefined,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`telemetry client: ${name} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}
