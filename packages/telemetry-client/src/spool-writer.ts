import { rename } from 'node:fs/promises';
import path from 'node:path';
import { telemetryBatchSchema, type TelemetryBatch } from '@webstream/contracts';
import { type EventBuffer, type QueuedBatch } from './event-buffer';
import { type TelemetryLogger } from './options';
import { errorCode, readJsonFile, REJECTED_DIR, unlinkIfPresent, writeFileAtomic } from './spool';
import { describeSendError } from './transport';

const SPOOL_RETRY_AFTER_MS = 1_000;

/** A batch read back for sending, or why it cannot be sent. */
export type SpooledBody =
  | { kind: 'batch'; body: TelemetryBatch }
  /** Its file is gone: nothing to send. */
  | { kind: 'missing' }
  /** Its file is not a batch: moved to rejected/. */
  | { kind: 'unreadable' };

/**
 * The spool folder: batches written one at a time in order (each file complete or absent), read back for
 * sending, removed once delivered and kept in rejected/ when the engine refuses them.
 */
export class SpoolWriter {
  private writeChain: Promise<void> = Promise.resolve();
  private failingUntil = 0;

  constructor(
    private readonly spoolDir: string,
    private readonly source: string,
    private readonly buffer: EventBuffer,
    private readonly log: TelemetryLogger,
  ) {}

  /** True for a while after a write failed: memory then holds what the spool cannot. */
  get failing(): boolean {
    return Date.now() < this.failingUntil;
  }

  /** Starts writing a memory batch to the spool, on the single ordered write chain; does not wait for it. */
  write(batch: QueuedBatch): void {
    const events = batch.events;
    if (batch.location !== 'memory' || events === undefined) return;
    this.buffer.markWriting(batch);
    const file = this.fileOf(batch);
    const body: TelemetryBatch = { idempotencyKey: batch.idempotencyKey, source: this.source, events };
    batch.written = this.enqueueWrite(() => writeFileAtomic(file, JSON.stringify(body))).then(
      () => {
        this.buffer.markWritten(batch);
        return true;
      },
      (err: unknown) => {
        this.failingUntil = Date.now() + SPOOL_RETRY_AFTER_MS;
        this.log.error(
          { err: describeSendError(err), file, events: batch.eventCount },
          'could not write telemetry to the spool; keeping it in memory',
        );
        this.buffer.markWriteFailed(batch);
        return false;
      },
    );
  }

  /** Resolves once every write started so far has ended. */
  async writesDone(): Promise<void> {
    await this.writeChain;
    await Promise.all(this.buffer.spoolWrites());
  }

  /** The batch as sent: from memory, or read back from its spool file (moved to rejected/ if unreadable). */
  async read(batch: QueuedBatch): Promise<SpooledBody> {
    if (batch.events) {
      return {
        kind: 'batch',
        body: { idempotencyKey: batch.idempotencyKey, source: this.source, events: batch.events },
      };
    }
    const file = this.fileOf(batch);
    let content: unknown;
    try {
      content = await readJsonFile(file);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') {
        this.log.error({ file }, 'spooled telemetry batch disappeared; skipping it');
        return { kind: 'missing' };
      }
      if (!(err instanceof SyntaxError)) throw err;
      content = undefined;
    }
    const parsed = telemetryBatchSchema.safeParse(content);
    if (parsed.success) return { kind: 'batch', body: parsed.data };
    this.log.error(
      { file, rejectedDir: path.join(this.spoolDir, REJECTED_DIR) },
      'spooled telemetry batch is unreadable or invalid; moved it to the rejected folder',
    );
    await this.moveToRejected(batch, undefined);
    return { kind: 'unreadable' };
  }

  /** Renames the spool file into rejected/, or writes the batch there if it never reached the spool. */
  async moveToRejected(batch: QueuedBatch, body: TelemetryBatch | undefined): Promise<void> {
    const file = this.fileOf(batch);
    const target = path.join(this.spoolDir, REJECTED_DIR, batch.fileName);
    try {
      if (await this.isOnDisk(batch)) await rename(file, target);
      else if (body) await this.enqueueWrite(() => writeFileAtomic(target, JSON.stringify(body)));
    } catch (err) {
      this.log.error(
        { err: describeSendError(err), file, target },
        'could not keep a rejected telemetry batch',
      );
    }
  }

  /** Deletes a delivered batch's file, if it has one. */
  async remove(batch: QueuedBatch): Promise<void> {
    if (!(await this.isOnDisk(batch))) return;
    const file = this.fileOf(batch);
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

  get rejectedDir(): string {
    return path.join(this.spoolDir, REJECTED_DIR);
  }

  private async isOnDisk(batch: QueuedBatch): Promise<boolean> {
    return batch.written ? await batch.written : batch.location === 'disk';
  }

  private fileOf(batch: QueuedBatch): string {
    return path.join(this.spoolDir, batch.fileName);
  }

  private enqueueWrite(task: () => Promise<void>): Promise<void> {
    const run = this.writeChain.then(task);
    this.writeChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
