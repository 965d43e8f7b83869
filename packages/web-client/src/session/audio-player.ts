import { type AudioFormatMessage } from '@webstream/contracts';
import { DEFAULT_JITTER, pcmS16leToFloat32, scheduleChunk } from './pcm';

type AudioContextConstructor = new (options?: AudioContextOptions) => AudioContext;

/** Whether this browser decodes Opus with WebCodecs (secure contexts only); PCM plays everywhere. */
export async function canDecodeOpus(): Promise<boolean> {
  if (typeof AudioDecoder === 'undefined') return false;
  try {
    const support = await AudioDecoder.isConfigSupported({
      codec: 'opus',
      sampleRate: 48_000,
      numberOfChannels: 2,
    });
    return support.supported === true;
  } catch {
    return false;
  }
}

/**
 * Plays /audio's chunks: Opus packets decoded by WebCodecs' AudioDecoder, or PCM. Each 20 ms becomes an
 * AudioBuffer scheduled right after the previous one, about 80 ms ahead of the playhead (a small jitter buffer);
 * sound arriving when more than 300 ms is queued is dropped. Created from a click (browsers only start sound
 * after a user gesture).
 */
export class AudioPlayer {
  private readonly context: AudioContext;
  private format: AudioFormatMessage | undefined;
  private decoder: AudioDecoder | undefined;
  private packets = 0;
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
    this.closeDecoder();
    if (format.codec === 'opus' && typeof AudioDecoder !== 'undefined') {
      const decoder = new AudioDecoder({
        output: (data) => this.playDecoded(data),
        // A broken packet costs 20 ms of sound; the next one starts a new decoder.
        error: () => {
          if (this.decoder === decoder) this.decoder = undefined;
        },
      });
      decoder.configure({ codec: 'opus', sampleRate: format.sampleRate, numberOfChannels: format.channels });
      this.decoder = decoder;
    }
  }

  /** Whether the stream's format can be played here. */
  get playable(): boolean {
    return (
      this.format === undefined ||
      this.format.codec === 'pcm-s16le' ||
      (this.format.codec === 'opus' && typeof AudioDecoder !== 'undefined')
    );
  }

  push(payload: Uint8Array): void {
    const format = this.format;
    if (format === undefined || this.context.state === 'closed') return;
    if (format.codec === 'opus') {
      if (this.decoder === undefined && typeof AudioDecoder !== 'undefined') this.setFormat(format);
      // 20 ms a packet (the streamer's frame duration), in microseconds.
      this.decoder?.decode(
        new EncodedAudioChunk({ type: 'key', timestamp: this.packets++ * 20_000, data: payload }),
      );
      return;
    }
    this.play(pcmS16leToFloat32(payload, format.channels), format.sampleRate);
  }

  close(): void {
    this.closeDecoder();
    void this.context.close().catch(() => undefined);
  }

  private closeDecoder(): void {
    if (this.decoder !== undefined && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = undefined;
  }

  private playDecoded(data: AudioData): void {
    const channels: Float32Array[] = [];
    for (let plane = 0; plane < data.numberOfChannels; plane += 1) {
      const samples = new Float32Array(data.numberOfFrames);
      data.copyTo(samples, { planeIndex: plane, format: 'f32-planar' });
      channels.push(samples);
    }
    const sampleRate = data.sampleRate;
    data.close();
    this.play(channels, sampleRate);
  }

  private play(channels: Float32Array[], sampleRate: number): void {
    if (this.context.state === 'closed') return;
    const frames = channels[0]?.length ?? 0;
    if (frames === 0) return;
    const duration = frames / sampleRate;
    const decision = scheduleChunk(this.context.currentTime, this.next, duration, DEFAULT_JITTER);
    this.next = decision.next;
    if (!decision.play) {
      this.dropped += 1;
      return;
    }
    const buffer = this.context.createBuffer(channels.length, frames, sampleRate);
    channels.forEach((samples, index) => buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, index));
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    source.start(decision.start);
  }
}
