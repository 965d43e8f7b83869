import { randomUUID } from 'node:crypto';
import { type TelemetryEvent } from '@webstream/contracts';
import { type SpoolEntry, spoolFileName } from './spool';

/** Where a cut batch lives: only in memory, on its way to the spool, or only in the spool. */
type BatchLocation = 'memory' | 'writing' | 'disk';

/** A batch is cut once, gets its idempotency key then, and keeps both its events and key until the engine has it. */
export interface QueuedBatch {
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

const COMPACT_AFTER = 4_096;

/**
 * Every event not yet delivered, oldest first: the pending events not yet cut into a batch, and the cut
 * batches (each in memory, being spooled or in the spool), with the counts of each. Every accepted event of
 * this run gets the next ordinal, so "everything recorded before now" is a number.
 */
export class EventBuffer {
  /** Events not yet cut into a batch, oldest at pendingHead. */
  private pending: TelemetryEvent[] = [];
  private pendingHead = 0;
  /** Ordinal of pending[pendingHead]. */
  private headOrdinal = 0;
  /** Cut batches, oldest first; all of them are older than every pending event. */
  private readonly batches: QueuedBatch[] = [];
  private nextSeq: number;
  private batchMemoryEvents = 0;
  private spooledBatches = 0;
  private spooledEvents = 0;

  /** Resumes the batches an earlier run spooled: they go before anything recorded now. */
  constructor(spooled: readonly SpoolEntry[]) {
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
      this.spooledBatches += 1;
      this.spooledEvents += entry.eventCount;
    }
    this.nextSeq = (spooled.at(-1)?.seq ?? -1) + 1;
  }

  push(event: TelemetryEvent): void {
    this.pending.push(event);
  }

  get pendingCount(): number {
    return this.pending.length - this.pendingHead;
  }

  /** Events held only in memory: pending, and cut batches not (yet) in the spool. */
  get memoryEvents(): number {
    return this.pendingCount + this.batchMemoryEvents;
  }

  /** Batches in the spool or being written to it. */
  get diskBatches(): number {
    return this.spooledBatches;
  }

  get diskEvents(): number {
    return this.spooledEvents;
  }

  /** Ordinal the next recorded event will get. */
  get recordedOrdinal(): number {
    return this.headOrdinal + this.pendingCount;
  }

  /** Ordinal of the oldest pending event. */
  get pendingOrdinal(): number {
    return this.headOrdinal;
  }

  /** Ordinal of the oldest event not yet delivered or rejected (batches from an earlier run count as -1). */
  get oldestUnsentOrdinal(): number {
    return this.batches[0]?.firstOrdinal ?? this.headOrdinal;
  }

  /** The oldest cut batch. */
  get head(): QueuedBatch | undefined {
    return this.batches[0];
  }

  /** Cut batches still held in memory, oldest first. */
  inMemory(): QueuedBatch[] {
    // Cut batches held in memory are rare (a failed send, a failed spool write): skip the scan when there are none.
    return this.batchMemoryEvents > 0 ? this.batches.filter((b) => b.location === 'memory') : [];
  }

  /** Every spool write started for a batch still queued. */
  spoolWrites(): Promise<boolean>[] {
    return this.batches.flatMap((b) => (b.written ? [b.written] : []));
  }

  /** Cuts the oldest pending events into a new batch with a fresh idempotency key, held in memory. */
  cut(count: number): QueuedBatch {
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

  /** A memory batch starts its way to the spool: it counts as spooled from now on. */
  markWriting(batch: QueuedBatch): void {
    batch.location = 'writing';
    this.batchMemoryEvents -= batch.eventCount;
    this.spooledBatches += 1;
    this.spooledEvents += batch.eventCount;
  }

  /** Its spool file is complete: memory no longer holds its events. */
  markWritten(batch: QueuedBatch): void {
    if (batch.location !== 'writing') return;
    batch.location = 'disk';
    batch.events = undefined;
  }

  /** Its spool write failed: it is held in memory again, unless it was delivered meanwhile. */
  markWriteFailed(batch: QueuedBatch): void {
    if (batch.settled || batch.location !== 'writing') return;
    batch.location = 'memory';
    this.batchMemoryEvents += batch.eventCount;
    this.spooledBatches -= 1;
    this.spooledEvents -= batch.eventCount;
  }

  /** Takes a delivered or rejected batch off the queue. */
  settle(batch: QueuedBatch): void {
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
        this.spooledBatches -= 1;
        this.spooledEvents -= batch.eventCount;
        break;
    }
    batch.events = undefined;
  }
}
