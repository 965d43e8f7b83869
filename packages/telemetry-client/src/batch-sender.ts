import { type TelemetryBatch } from '@webstream/contracts';
import { backoffDelay } from './backoff';
import { type EventBuffer, type QueuedBatch } from './event-buffer';
import { type ClientMetrics } from './metrics';
import { type ResolvedOptions, type TelemetryLogger } from './options';
import { type SpoolWriter } from './spool-writer';
import { describeSendError, IngestFailedError, IngestRejectedError, type IngestTransport } from './transport';

interface FlushWaiter {
  readonly goal: number;
  readonly resolve: () => void;
}

type PumpExit = 'idle' | 'failed' | 'stopped';

/** What the sender has delivered and refused, and why the last send failed. */
export interface SenderCounts {
  sentEvents: number;
  rejectedEvents: number;
  lastError: string | undefined;
}

/**
 * The single send loop: the oldest batch first, one at a time, through the transport (whose circuit breaker
 * spares a dead engine); a failure backs off and retries, a refusal moves the batch aside and goes on.
 */
export class BatchSender {
  readonly counts: SenderCounts = { sentEvents: 0, rejectedEvents: 0, lastError: undefined };
  /** Events with an ordinal below this are sent without waiting for a full batch (set by the timer and flush()). */
  private sendThrough = 0;
  private waiters: FlushWaiter[] = [];
  private pump: Promise<void> | undefined;
  private inFlightAbort: AbortController | undefined;
  private consecutiveFailures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closing = false;
  private stopped = false;

  constructor(
    private readonly options: Pick<ResolvedOptions, 'batchSize' | 'maxBackoffMs'>,
    private readonly buffer: EventBuffer,
    private readonly spool: SpoolWriter,
    private readonly transport: IngestTransport,
    private readonly log: TelemetryLogger,
    private readonly metrics: ClientMetrics | undefined,
  ) {}

  /** Waiting out a back-off: new events wait for the retry rather than start a send. */
  get retrying(): boolean {
    return this.retryTimer !== undefined;
  }

  /** Sending has stopped for good (close()). */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Everything recorded so far is due: sends it unless a back-off is running. */
  onTimer(): void {
    if (this.closing || this.retryTimer !== undefined) return;
    this.sendThrough = Math.max(this.sendThrough, this.buffer.recordedOrdinal);
    this.kick();
  }

  /** Resolves once every event with an ordinal below `goal` has left the queue, or a send has failed. */
  async sendUpTo(goal: number): Promise<void> {
    this.sendThrough = Math.max(this.sendThrough, goal);
    const reached = new Promise<void>((resolve) => this.waiters.push({ goal, resolve }));
    this.kick();
    await reached;
  }

  /** Starts the single send loop unless it is already running. */
  kick(): void {
    if (this.pump !== undefined || this.stopped) return;
    this.pump = this.runPump().then(
      (exit) => this.afterPump(exit),
      (err: unknown) => {
        this.log.error({ err: describeSendError(err) }, 'telemetry send loop failed');
        this.afterPump('failed');
      },
    );
  }

  /** No more retries: what is due is sent once more by close(), bounded by its deadline. */
  beginClose(): void {
    this.closing = true;
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
  }

  /** Stops the loop after the batch in flight; with `abort`, that batch's request is abandoned too. */
  async stop(abort = false): Promise<void> {
    this.stopped = true;
    if (abort) this.inFlightAbort?.abort();
    await this.pump;
  }

  /** Releases every flush() still waiting. */
  releaseWaiters(): void {
    this.resolveWaiters(true);
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
    const oldest = this.buffer.oldestUnsentOrdinal;
    const keep: FlushWaiter[] = [];
    for (const waiter of this.waiters) {
      if (all || waiter.goal <= oldest) waiter.resolve();
      else keep.push(waiter);
    }
    this.waiters = keep;
  }

  /** Sends batches one at a time, oldest first, until nothing is due, a send fails, or close() stops it. */
  private async runPump(): Promise<PumpExit> {
    while (!this.stopped) {
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
    const head = this.buffer.head;
    if (head) return head;
    const count = this.buffer.pendingCount;
    if (count === 0) return undefined;
    if (count >= this.options.batchSize || this.buffer.pendingOrdinal < this.sendThrough) {
      return this.buffer.cut(Math.min(count, this.options.batchSize));
    }
    return undefined;
  }

  /** One attempt at the head batch. True when it left the queue (delivered or rejected), false to retry later. */
  private async sendBatch(batch: QueuedBatch): Promise<boolean> {
    batch.inFlight = true;
    const abort = new AbortController();
    this.inFlightAbort = abort;
    try {
      let body: TelemetryBatch;
      try {
        const read = await this.spool.read(batch);
        if (read.kind !== 'batch') {
          this.buffer.settle(batch);
          if (read.kind === 'unreadable') this.countRejected(batch.eventCount);
          return true;
        }
        body = read.body;
      } catch (err) {
        // The spool folder itself failing (permissions, I/O): keep the batch and retry with back-off.
        this.onSendFailure(err);
        return false;
      }
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
      await this.spool.remove(batch);
      this.buffer.settle(batch);
      this.counts.sentEvents += body.events.length;
      this.metrics?.sentEvents.inc(body.events.length);
      this.onSendSuccess();
      return true;
    } finally {
      abort.abort();
      this.inFlightAbort = undefined;
      batch.inFlight = false;
    }
  }

  private async reject(batch: QueuedBatch, body: TelemetryBatch, err: IngestRejectedError): Promise<void> {
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
        rejectedDir: this.spool.rejectedDir,
      },
      'metrics engine rejected a telemetry batch as invalid; moved it to the rejected folder and going on',
    );
    this.counts.lastError = err.message;
    await this.spool.moveToRejected(batch, body);
    this.buffer.settle(batch);
    this.countRejected(body.events.length);
    // The engine answered: it is up, so the back-off starts over.
    this.consecutiveFailures = 0;
  }

  private countRejected(events: number): void {
    this.counts.rejectedEvents += events;
    this.metrics?.rejectedEvents.inc(events);
  }

  private onSendSuccess(): void {
    this.consecutiveFailures = 0;
    this.counts.lastError = undefined;
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
  }

  private onSendFailure(err: unknown): void {
    this.consecutiveFailures += 1;
    this.counts.lastError = describeSendError(err);
    this.metrics?.sendFailures.inc();
    const retryInMs = backoffDelay(this.consecutiveFailures, this.options.maxBackoffMs);
    const details = {
      err: this.counts.lastError,
      attempt: this.consecutiveFailures,
      retryInMs: this.closing ? undefined : retryInMs,
      memoryEvents: this.buffer.memoryEvents,
      diskBatches: this.buffer.diskBatches,
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
}
