import { type AudioCodec } from '@webstream/contracts';
import { ListenedStream } from '../listened-stream';
import { type AudioListening, type AudioSource, type MediaLogger } from '../media';
import { CHUNK_FRAMES, CHUNK_MS, PCM_FORMAT } from '../pcm-format';

export const TONE_HZ = 440;
const AMPLITUDE = 0.2 * 32767;
/** After a long event-loop stall, at most this many chunks are caught up; older sound is skipped. */
const MAX_CATCH_UP_CHUNKS = 10;

/** The sample frames of one chunk of the tone, starting at sample frame `start` (continuous phase). */
export function toneChunk(start: number): Buffer {
  const { channels, sampleRate } = PCM_FORMAT;
  const chunk = Buffer.alloc(CHUNK_FRAMES * channels * 2);
  for (let i = 0; i < CHUNK_FRAMES; i++) {
    const value = Math.round(AMPLITUDE * Math.sin((2 * Math.PI * TONE_HZ * (start + i)) / sampleRate));
    for (let c = 0; c < channels; c++) chunk.writeInt16LE(value, (i * channels + c) * 2);
  }
  return chunk;
}

/**
 * A 440 Hz tone in 20 ms PCM chunks, generated only while somebody listens. Timers drift and stall (a JPEG encode blocks the loop for up to ~140 ms), so each
 * tick emits as many chunks as the wall clock says are due since start, and schedules itself against that clock.
 */
export class SineTone implements AudioSource {
  readonly codecs: readonly AudioCodec[] = ['pcm-s16le'];
  private readonly listeners: ListenedStream<Buffer>;
  private startedAt = 0;
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(logger: MediaLogger) {
    this.listeners = new ListenedStream(
      'audio',
      logger,
      () => this.start(),
      () => this.stop(),
    );
  }

  /** Only PCM: a listener asking for another codec gets PCM, as the format says. */
  listen(_codec: AudioCodec, listener: (chunk: Buffer) => void): AudioListening {
    return { format: PCM_FORMAT, stop: this.listeners.add(listener) };
  }

  private start(): void {
    this.startedAt = Date.now();
    this.sent = 0;
    this.schedule();
  }

  /** Ends the tone (the session stops); listeners still attached hear nothing more. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const next = this.startedAt + (this.sent + 1) * CHUNK_MS;
    this.timer = setTimeout(() => this.tick(), Math.max(0, next - Date.now()));
  }

  private tick(): void {
    const due = Math.floor((Date.now() - this.startedAt) / CHUNK_MS);
    if (due - this.sent > MAX_CATCH_UP_CHUNKS) this.sent = due - MAX_CATCH_UP_CHUNKS;
    while (this.sent < due) {
      this.listeners.emit(toneChunk(this.sent * CHUNK_FRAMES));
      this.sent++;
    }
    if (this.timer !== undefined) this.schedule();
  }
}
