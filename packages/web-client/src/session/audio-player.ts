import { type AudioFormatMessage } from '@webstream/contracts';
import { DEFAULT_JITTER, pcmS16leToFloat32, scheduleChunk } from './pcm';

type AudioContextConstructor = new (options?: AudioContextOptions) => AudioContext;

/**
 * Plays /audio's PCM chunks: each becomes an AudioBuffer scheduled right after the previous one, about 80 ms
 * ahead of the playhead (a small jitter buffer); chunks arriving when more than 300 ms is queued are dropped.
 * Created from a click (browsers only start sound after a user gesture).
 */
export class AudioPlayer {
  private readonly context: AudioContext;
  private format: AudioFormatMessage | undefined;
  private next = 0;
  private dropped = 0;

  constructor() {
    const Context =
      window.AudioContext ??
      (window as unknown as { webkitAudioContext?: AudioContextConstructor }).webkitAudioContext;
    if (Context === undefined) throw new Error('This browser cannot play sound.');
    try {
      this.context = new Context({ sampleRate: 48_000, latencyHint: 'interactive' });
    } catch {
      // Some browsers refuse a sample rate other than the device's: AudioBuffers at 48 kHz are resampled.
      this.context = new Context({ latencyHint: 'interactive' });
    }
    void this.context.resume().catch(() => undefined);
  }

  get droppedChunks(): number {
    return this.dropped;
  }

  setFormat(format: AudioFormatMessage): void {
    this.format = format;
    this.next = 0;
  }

  /** Whether the stream's format can be played here (only PCM is). */
  get playable(): boolean {
    return this.format === undefined || this.format.codec === 'pcm-s16le';
  }

  push(payload: Uint8Array): void {
    const format = this.format;
    if (format === undefined || format.codec !== 'pcm-s16le' || this.context.state === 'closed') return;
    const channels = pcmS16leToFloat32(payload, format.channels);
    const frames = channels[0]?.length ?? 0;
    if (frames === 0) return;
    const duration = frames / format.sampleRate;
    const decision = scheduleChunk(this.context.currentTime, this.next, duration, DEFAULT_JITTER);
    this.next = decision.next;
    if (!decision.play) {
      this.dropped += 1;
      return;
    }
    const buffer = this.context.createBuffer(channels.length, frames, format.sampleRate);
    channels.forEach((samples, index) => buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, index));
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    source.start(decision.start);
  }

  close(): void {
    void this.context.close().catch(() => undefined);
  }
}
