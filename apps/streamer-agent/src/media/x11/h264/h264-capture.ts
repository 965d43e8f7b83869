import { Listeners } from '../../listeners';
import { type EncodedFrame, type H264Source, type MediaLogger } from '../../media';
import { EncoderRelay } from '../encoder-relay';
import { type ScreenActivity } from '../screen-damage';
import { type HelperSpawn } from '../session-sandbox';
import { type H264AccessUnit, H264Encoder, type H264Settings } from './h264-encoder';

/** Keyframe requests closer together than this share one encoder start. */
const MIN_KEYFRAME_INTERVAL_MS = 250;
const MIN_BITRATE_KBPS = 200;

/**
 * The session's H.264 stream. x264 cannot be told to emit a keyframe while it runs, so a keyframe is a new
 * encoder (EncoderRelay): it starts beside the running one, whose deltas keep flowing until the newcomer's first
 * access unit (an IDR) arrives, and then takes over — viewers see no gap, and every viewer gets the same stream.
 */
export class H264Capture implements H264Source {
  private readonly listeners: Listeners<EncodedFrame>;
  private readonly relay: EncoderRelay<H264Encoder>;
  private settings: H264Settings;
  private readonly maxBitrateKbps: number;
  private lastKeyframeStartAt = 0;
  private keyframeTimer: NodeJS.Timeout | undefined;
  private watched = false;

  constructor(settings: H264Settings, activity: ScreenActivity, spawnAs: HelperSpawn, logger: MediaLogger) {
    this.settings = settings;
    this.maxBitrateKbps = settings.bitrateKbps;
    this.listeners = new Listeners(logger, 'h264-frame');
    this.relay = new EncoderRelay(
      activity,
      () => new H264Encoder(this.settings, spawnAs, logger, (unit, from) => this.accessUnit(unit, from)),
      'the H.264 encoder',
      logger,
    );
  }

  get bitrateKbps(): number {
    return this.settings.bitrateKbps;
  }

  /** Pids of the encoders running now (tests and diagnostics). */
  get pids(): number[] {
    return this.relay.pids;
  }

  /** Whether the encoder is paused on a still screen. */
  get paused(): boolean {
    return this.relay.paused;
  }

  onFrame(listener: (frame: EncodedFrame) => void): void {
    this.listeners.add(listener);
  }

  setWatched(watched: boolean): void {
    if (watched === this.watched) return;
    this.watched = watched;
    this.relay.setWanted(watched);
    if (watched) {
      this.requestKeyframe();
      return;
    }
    clearTimeout(this.keyframeTimer);
    this.keyframeTimer = undefined;
  }

  requestKeyframe(): void {
    if (!this.watched || this.keyframeTimer !== undefined || this.relay.replacing) return;
    const wait = Math.max(0, this.lastKeyframeStartAt + MIN_KEYFRAME_INTERVAL_MS - Date.now());
    this.keyframeTimer = setTimeout(() => {
      this.keyframeTimer = undefined;
      this.lastKeyframeStartAt = Date.now();
      this.relay.start();
    }, wait);
  }

  setBitrate(kbps: number): void {
    const next = Math.round(Math.min(this.maxBitrateKbps, Math.max(MIN_BITRATE_KBPS, kbps)));
    if (next === this.settings.bitrateKbps) return;
    this.settings = { ...this.settings, bitrateKbps: next };
    this.requestKeyframe();
  }

  setSize(width: number, height: number): void {
    this.settings = { ...this.settings, width, height };
    this.requestKeyframe();
  }

  async halt(): Promise<void> {
    clearTimeout(this.keyframeTimer);
    await this.relay.halt();
  }

  private accessUnit(unit: H264AccessUnit, encoder: H264Encoder): void {
    if (!this.relay.accept(encoder, unit.keyframe)) return;
    this.listeners.emit({
      codec: 'h264',
      keyframe: unit.keyframe,
      data: unit.data,
      width: encoder.settings.width,
      height: encoder.settings.height,
      capturedAt: unit.arrivedAt,
    });
  }
}
