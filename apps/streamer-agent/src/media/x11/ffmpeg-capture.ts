import { Listeners } from '../listeners';
import { type CaptureSource, type EncodedFrame, type MediaLogger } from '../media';
import { clampQuality } from '../quality';
import { EncoderRelay } from './encoder-relay';
import { FfmpegGrab, type GrabSettings } from './ffmpeg-grab';
import { type SplitJpeg } from './jpeg-splitter';
import { type ScreenActivity } from './screen-damage';
import { type HelperSpawn } from './session-sandbox';

/** ffmpeg restarts for a new quality at most this often: each restart costs a process start and a full frame. */
const MIN_RESTART_INTERVAL_MS = 1_000;

/**
 * The x11 MJPEG capture: one ffmpeg at a time (EncoderRelay), replaced to change quality or size, its first frame
 * taking over from the old process so a quality change leaves no gap in the picture.
 *
 * capturedAt is when the first bytes of a frame arrived from ffmpeg: with -threads 1 that is ~30 ms after the grab
 * (the notes' p50), and image2pipe carries no timestamps to do better without parsing ffmpeg's logs.
 */
export class FfmpegCapture implements CaptureSource {
  private readonly listeners: Listeners<EncodedFrame>;
  private readonly relay: EncoderRelay<FfmpegGrab>;
  private settings: GrabSettings;
  private last: EncodedFrame | undefined;
  private lastRestartAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private watched = false;

  constructor(settings: GrabSettings, activity: ScreenActivity, spawnAs: HelperSpawn, logger: MediaLogger) {
    this.settings = { ...settings, quality: clampQuality(settings.quality) };
    this.listeners = new Listeners(logger, 'frame');
    this.relay = new EncoderRelay(
      activity,
      () => new FfmpegGrab(this.settings, spawnAs, logger, (frame, from) => this.frame(frame, from)),
      'the ffmpeg capture',
      logger,
    );
  }

  /** The quantiser asked for last; the running encoder switches to it within about a second. */
  get quality(): number {
    return this.settings.quality;
  }

  /** Pids of the ffmpeg processes running now (for tests and diagnostics). */
  get pids(): number[] {
    return this.relay.pids;
  }

  start(): void {
    this.setWatched(true);
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

  /**
   * Nobody watching: ffmpeg stops, and starts again on demand. A watched still screen pauses it instead, which
   * resumes within a frame of the next change.
   */
  setWatched(watched: boolean): void {
    if (watched === this.watched) return;
    this.watched = watched;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.relay.setWanted(watched);
    if (watched) this.restart();
  }

  setSize(width: number, height: number): void {
    this.settings = { ...this.settings, width, height };
    this.scheduleRestart();
  }

  /** Stops every ffmpeg for good (the session stops or the display died). */
  async halt(): Promise<void> {
    clearTimeout(this.restartTimer);
    await this.relay.halt();
  }

  private scheduleRestart(): void {
    if (!this.watched || this.restartTimer !== undefined) return;
    const wait = Math.max(0, this.lastRestartAt + MIN_RESTART_INTERVAL_MS - Date.now());
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restart();
    }, wait);
  }

  private restart(): void {
    this.lastRestartAt = Date.now();
    this.relay.start();
  }

  private frame(split: SplitJpeg, grab: FfmpegGrab): void {
    if (!this.relay.accept(grab, true)) return;
    // An unchanged screen encodes to identical bytes: skipping it here saves every client the bandwidth.
    if (this.last?.data.equals(split.data)) return;
    const frame: EncodedFrame = {
      codec: 'jpeg',
      keyframe: true,
      data: split.data,
      width: grab.settings.width,
      height: grab.settings.height,
      capturedAt: split.firstByteAt,
    };
    this.last = frame;
    this.listeners.emit(frame);
  }
}
