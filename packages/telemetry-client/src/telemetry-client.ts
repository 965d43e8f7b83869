// The buffered, lossless telemetry client: record() never blocks, batches go out oldest first, nothing is lost
// while the metrics engine is down or restarting (memory up to a bound, then a spool folder on disk).
import path from 'node:path';
import { telemetryEventSchema, type TelemetryEvent } from '@webstream/contracts';
import { currentTraceparent } from '@webstream/service-kit';
import { BatchSender } from './batch-sender';
import { EventBuffer } from './event-buffer';
import { attachMetrics, type ClientMetrics } from './metrics';
import {
  type ResolvedOptions,
  resolveOptions,
  stderrLogger,
  type TelemetryClientOptions,
  type TelemetryLogger,
  type TelemetrySettings,
} from './options';
import { scanSpool, type SpoolEntry } from './spool';
import { SpoolWriter } from './spool-writer';
import { describeSendError, IngestTransport } from './transport';

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

/** After a failed spool write, memory may grow to this multiple of maxMemoryEvents before new events are dropped. */
const SPOOL_FAILURE_MEMORY_FACTOR = 2;
/** Repeated warnings about dropped events are folded into one per this period. */
const DROP_WARN_INTERVAL_MS = 10_000;

/** `event` as record() was given it: a caller past the type checker may hand it anything. */
function withTraceOfThisRequest(event: TelemetryEvent): TelemetryEvent {
  if (typeof event !== 'object' || event === null) return event;
  if (event.kind === 'sample' || event.traceparent !== undefined) return event;
  const traceparent = currentTraceparent();
  return traceparent === undefined ? event : { ...event, traceparent };
}

/**
 * The client's face: record(), flush(), close() and stats(), over the event buffer (memory), the spool
 * writer (disk) and the batch sender (the engine, behind the transport's circuit breaker).
 */
export class TelemetryClient {
  private readonly buffer: EventBuffer;
  private readonly spool: SpoolWriter;
  private readonly sender: BatchSender;
  private readonly transport: IngestTransport;
  private readonly metrics: ClientMetrics | undefined;
  private readonly timer: NodeJS.Timeout;
  private droppedEvents = 0;
  private droppedSinceWarn = 0;
  private lastDropWarnAt = Number.NEGATIVE_INFINITY;
  private closing = false;
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly options: ResolvedOptions,
    private readonly log: TelemetryLogger,
    spooled: SpoolEntry[],
    registry: TelemetryClientOptions['registry'],
  ) {
    this.transport = new IngestTransport({
      url: options.url,
      serviceToken: options.serviceToken,
      requestTimeoutMs: options.requestTimeoutMs,
      // A circuit that stays open longer than the longest back-off would make that setting meaningless.
      breakerResetMs: Math.min(5_000, Math.max(100, options.maxBackoffMs)),
      name: `telemetry-client:${options.source}`,
    });
    this.buffer = new EventBuffer(spooled);
    this.spool = new SpoolWriter(options.spoolDir, options.source, this.buffer, log);
    this.metrics = registry
      ? attachMetrics(registry, () => ({
          memoryEvents: this.buffer.memoryEvents,
          diskEvents: this.buffer.diskEvents,
        }))
      : undefined;
    this.sender = new BatchSender(options, this.buffer, this.spool, this.transport, log, this.metrics);
    this.timer = setInterval(() => this.sender.onTimer(), options.flushIntervalMs);
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
        { spoolDir: resolved.spoolDir, batches: scan.entries.length, events: client.buffer.diskEvents },
        'resuming telemetry spooled by an earlier run',
      );
      client.sender.kick();
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
      const spoolFailing = this.spool.failing;
      const { maxMemoryEvents, batchSize } = this.options;
      if (spoolFailing && this.buffer.memoryEvents >= maxMemoryEvents * SPOOL_FAILURE_MEMORY_FACTOR) {
        this.drop('telemetry buffer full and the spool cannot be written', {});
        return;
      }
      this.buffer.push(parsed.data);
      if (!spoolFailing && this.buffer.memoryEvents > maxMemoryEvents) this.spill();
      if (!this.sender.retrying && this.buffer.pendingCount >= batchSize) this.sender.kick();
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
    if (this.sender.stopping) return;
    const goal = this.buffer.recordedOrdinal;
    if (this.buffer.oldestUnsentOrdinal >= goal) return;
    await this.sender.sendUpTo(goal);
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
    const { sentEvents, rejectedEvents, lastError } = this.sender.counts;
    return {
      memoryEvents: this.buffer.memoryEvents,
      diskBatches: this.buffer.diskBatches,
      sentEvents,
      rejectedEvents,
      droppedEvents: this.droppedEvents,
      ...(lastError !== undefined ? { lastError } : {}),
    };
  }

  /** Moves the oldest in-memory events to the spool until memory is back within maxMemoryEvents. */
  private spill(): void {
    while (this.buffer.memoryEvents > this.options.maxMemoryEvents) {
      const held = this.buffer.inMemory().find((batch) => !batch.inFlight);
      if (held) {
        this.spool.write(held);
        continue;
      }
      const count = Math.min(this.options.batchSize, this.buffer.pendingCount);
      if (count === 0) return;
      this.spool.write(this.buffer.cut(count));
    }
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

  private async shutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    this.sender.beginClose();
    // Deliberately not unref()ed: until close() is done, memory still holds data the spool has not got.
    const deadline = setTimeout(() => void this.sender.stop(true), this.options.requestTimeoutMs);
    try {
      await this.flush();
      await this.sender.stop();
    } finally {
      clearTimeout(deadline);
    }
    for (const batch of this.buffer.inMemory()) this.spool.write(batch);
    while (this.buffer.pendingCount > 0) {
      this.spool.write(this.buffer.cut(Math.min(this.options.batchSize, this.buffer.pendingCount)));
    }
    await this.spool.writesDone();
    const unsaved = this.buffer.memoryEvents;
    if (unsaved > 0) {
      this.log.error(
        { events: unsaved, spoolDir: this.options.spoolDir },
        'could not spool telemetry on close; it is lost',
      );
    }
    this.transport.shutdown();
    this.metrics?.detach();
    this.sender.releaseWaiters();
  }
}
