import { Listeners } from '../listeners';
import { type CaptureSource, type EncodedFrame, type MediaLogger } from '../media';
import { clampQuality } from '../quality';
import { FfmpegGrab, type GrabSettings } from './ffmpeg-grab';
import { type SplitJpeg } from './jpeg-splitter';
import { type ChildExit } from './managed-child';

/** ffmpeg restarts for a new quality at most this often: each restart costs a process start and a full frame. */
const MIN_RESTART_INTERVAL_MS = 1_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 10_000;

/**
 * The x11 capture: one ffmpeg at a time, replaced to change quality or size. The replacement runs alongside the
 * old process until it delivers its first frame, so a quality change leaves no gap in the picture.
 *
 * capturedAt is when the first bytes of a frame arrived from ffmpeg: with -threads 1 that is ~30 ms after the grab
 * (the notes' p50), and image2pipe carries no timestamps to do better without parsing ffmpeg's logs.
 */
export class FfmpegCapture implements CaptureSource {
  private readonly listeners: Listeners<EncodedFrame>;
  private settings: GrabSettings;
  private active: FfmpegGrab | undefined;
  private pending: FfmpegGrab | undefined;
  private readonly retired = new Set<FfmpegGrab>();
  private last: EncodedFrame | undefined;
  private lastRestartAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private retryMs = FIRST_RETRY_MS;
  private halted = false;
  private paused = false;

  constructor(
    settings: GrabSettings,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logger: MediaLogger,
  ) {
    this.settings = { ...settings, quality: clampQuality(settings.quality) };
    this.listeners = new Listeners(logger, 'frame');
  }

  /** The quantiser asked for last; the running encoder switches to it within about a second. */
  get quality(): number {
    return this.settings.quality;
  }

  /** Pids of the ffmpeg processes running now (for tests and diagnostics). */
  get pids(): number[] {
    return [this.active?.pid, this.pending?.pid].filter((pid): pid is number => pid !== undefined);
  }

  start(): void {
    this.lastRestartAt = Date.now();
    this.active = this.launch();
  }

  onFrame(listener: (frame: EncodedFrame) => void): void {
    this.listeners.add(listener);
  }

  latest(): EncodedFrame | undefined {
    return this.last;
  }

  setQuality(quality: number): void {
    const next = clampQuality(quality);
    if (next === this.settings.quality) return;
    this.settings = { ...this.settings, quality: next };
    this.scheduleRestart();
  }

  /** Nobody watching: ffmpeg stops (grabbing a still 720p screen costs ~25% of a core), and starts again on demand. */
  setWatched(watched: boolean): void {
    if (this.halted || watched === !this.paused) return;
    this.paused = !watched;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (this.paused) {
      for (const grab of [this.active, this.pending]) if (grab) this.retire(grab);
      this.active = undefined;
      this.pending = undefined;
    } else {
      this.restart();
    }
  }

  setSize(width: number, height: number): void {
    this.settings = { ...this.settings, width, height };
    this.scheduleRestart();
  }

  /** Stops every ffmpeg for good (the session stops or the display died). */
  async halt(): Promise<void> {
    this.halted = true;
    clearTimeout(this.restartTimer);
    const grabs = [this.active, this.pending, ...this.retired].filter(
      (g): g is FfmpegGrab => g !== undefined,
    );
    this.active = undefined;
    this.pending = undefined;
    for (const grab of grabs) this.retired.add(grab);
    await Promise.all(grabs.map((grab) => grab.stop()));
  }

  private scheduleRestart(): void {
    if (this.halted || this.paused || this.restartTimer !== undefined) return;
    const wait = Math.max(0, this.lastRestartAt + MIN_RESTART_INTERVAL_MS - Date.now());
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restart();
    }, wait);
  }

  private restart(): void {
    if (this.halted || this.paused) return;
    this.lastRestartAt = Date.now();
    if (this.pending) this.retire(this.pending);
    if (this.active) {
      this.pending = this.launch();
    } else {
      this.active = this.launch();
    }
  }

  private launch(): FfmpegGrab {
    const grab = new FfmpegGrab(this.settings, this.env, this.logger, (frame, from) =>
      this.frame(frame, from),
    );
    void grab.exited.then((exit) => this.exited(grab, exit));
    return grab;
  }

  private frame(split: SplitJpeg, grab: FfmpegGrab): void {
    if (grab === this.pending) {
      if (this.active) this.retire(this.active);
      this.active = grab;
      this.pending = undefined;
    }
    if (grab !== this.active) return;
    this.retryMs = FIRST_RETRY_MS;
    // An unchanged screen encodes to identical bytes: skipping it here saves every client the bandwidth.
    if (this.last?.data.equals(split.data)) return;
    const frame: EncodedFrame = {
      codec: 'jpeg',
      data: split.data,
      width: grab.settings.width,
      height: grab.settings.height,
      capturedAt: split.firstByteAt,
    };
    this.last = frame;
    this.listeners.emit(frame);
  }

  private retire(grab: FfmpegGrab): void {
    this.retired.add(grab);
    void grab.stop().then(() => this.retired.delete(grab));
  }

  private exited(grab: FfmpegGrab, exit: ChildExit): void {
    if (this.halted || this.paused || this.retired.has(grab)) return;
    if (grab === this.pending) {
      this.pending = undefined;
      this.logger.error(
        { error: grab.describe(exit) },
        'the replacement ffmpeg capture failed; keeping the old one',
      );
      return;
    }
    if (grab !== this.active) return;
    this.active = undefined;
    if (this.pending) {
      // A replacement is already starting (a resize kills the old capture): it takes over.
      this.active = this.pending;
      this.pending = undefined;
      return;
    }
    if (this.restartTimer !== undefined) return; // a planned restart (a resize) is due anyway
    this.logger.warn(
      { error: grab.describe(exit), retryMs: this.retryMs },
      'the ffmpeg capture ended; restarting',
    );
    const wait = this.retryMs;
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restart();
    }, wait);
  }
}
