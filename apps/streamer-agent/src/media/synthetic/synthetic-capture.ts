import { encode } from 'jpeg-js';
import { Listeners } from '../listeners';
import { type CaptureSource, type EncodedFrame, type MediaLogger } from '../media';
import { clampQuality, MAX_QUALITY, MIN_QUALITY } from '../quality';
import { clockText, type SyntheticScene } from './scene';

/** ffmpeg's quantiser (2 best .. 31 smallest) → jpeg-js's quality (95 .. 20), so setQuality means the same. */
export function jpegJsQuality(quantiser: number): number {
  const q = clampQuality(quantiser);
  return Math.round(95 - ((q - MIN_QUALITY) * 75) / (MAX_QUALITY - MIN_QUALITY));
}

/**
 * Encodes the scene with jpeg-js. That costs 30–140 ms at 720p on the event loop, so a frame is only made when the
 * scene, the quality or the watermark's clock changed, and at most frameRate times a second.
 */
export class SyntheticCapture implements CaptureSource {
  private readonly listeners: Listeners<EncodedFrame>;
  private last: EncodedFrame | undefined;
  private lastKey = '';
  private timer: NodeJS.Timeout | undefined;
  private currentQuality: number;
  private watched = true;

  constructor(
    private readonly scene: SyntheticScene,
    private readonly frameRate: number,
    quality: number,
    private readonly logger: MediaLogger,
  ) {
    this.currentQuality = clampQuality(quality);
    this.listeners = new Listeners(logger, 'frame');
  }

  get quality(): number {
    return this.currentQuality;
  }

  start(): void {
    const fps = Number.isFinite(this.frameRate) && this.frameRate > 0 ? Math.min(this.frameRate, 60) : 10;
    this.timer = setInterval(() => this.tick(), Math.round(1000 / fps));
    this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  onFrame(listener: (frame: EncodedFrame) => void): void {
    this.listeners.add(listener);
  }

  latest(): EncodedFrame | undefined {
    return this.last;
  }

  setQuality(quality: number): void {
    this.currentQuality = clampQuality(quality);
  }

  /** Unwatched, nothing is encoded (jpeg-js is slow); what changed meanwhile is drawn once watched again. */
  setWatched(watched: boolean): void {
    this.watched = watched;
  }

  private tick(): void {
    if (!this.watched && this.last !== undefined) return;
    const capturedAt = Date.now();
    const now = new Date(capturedAt);
    const clock = this.scene.watermark === undefined ? '' : clockText(now);
    const key = `${this.scene.version}|${this.currentQuality}|${clock}|${this.scene.width}x${this.scene.height}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    try {
      const raster = this.scene.render(now);
      const jpeg = encode(
        { data: raster.data, width: raster.width, height: raster.height },
        jpegJsQuality(this.currentQuality),
      );
      const frame: EncodedFrame = {
        codec: 'jpeg',
        keyframe: true,
        data: jpeg.data,
        width: raster.width,
        height: raster.height,
        capturedAt,
      };
      this.last = frame;
      this.listeners.emit(frame);
    } catch (error: unknown) {
      this.logger.error({ err: String(error) }, 'the synthetic picture could not be encoded');
    }
  }
}
