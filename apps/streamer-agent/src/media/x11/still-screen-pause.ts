import { type ScreenActivity } from './screen-damage';

/**
 * How long a screen must stay still before its encoder is paused. Half a second more of frames after the last
 * change lets H.264 refine what a capped scroll left blurred (the still picture's residual is coded as the VBV
 * buffer refills), so the picture a user reads is the settled, sharp one.
 */
export const SETTLE_MS = 500;
/**
 * A screen still for this long gets its encoder stopped, not just paused: a paused ffmpeg still holds 65–75 MB.
 * The first change after it waits for a new encoder (a few hundred ms) instead of one frame.
 */
export const RELEASE_AFTER_MS = 10_000;
const CHECK_MS = 100;

export interface PausableEncoder {
  /** Pauses the running encoder; false when it cannot be paused now (none runs, or a replacement is starting). */
  pause(): boolean;
  /** Goes on after a pause or a release (then with a new encoder). */
  resume(): void;
  /** Stops the paused encoder's process. */
  release(): void;
  /** Date.now() of the last frame delivered. */
  lastFrameAt(): number;
}

/**
 * Nothing to encode on a still screen: pauses an encoder (SIGSTOP, no CPU at all) once the screen has not
 * changed for SETTLE_MS and frames taken after the change have arrived, and resumes it at the next change.
 */
export class StillScreenPause {
  private paused = false;
  private released = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly activity: ScreenActivity,
    private readonly encoder: PausableEncoder,
  ) {
    activity.onChange(() => this.changed());
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.timer.unref();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** A new encoder runs (a restart or a new viewer): it starts unpaused. */
  reset(): void {
    this.paused = false;
    this.released = false;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private changed(): void {
    if (!this.paused) return;
    this.paused = false;
    this.released = false;
    this.encoder.resume();
  }

  private check(): void {
    const changedAt = this.activity.lastChangeAt;
    const now = Date.now();
    if (this.paused) {
      if (!this.released && now - changedAt >= RELEASE_AFTER_MS) {
        this.released = true;
        this.encoder.release();
      }
      return;
    }
    if (now - changedAt < SETTLE_MS || this.encoder.lastFrameAt() < changedAt + SETTLE_MS / 2) return;
    this.paused = this.encoder.pause();
  }
}
