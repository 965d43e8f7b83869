/** Steps of ffmpeg's JPEG quantiser: down fast when clients fall behind, back up slowly. */
const WORSEN_STEP = 3;
const IMPROVE_STEP = 1;
const WORST = 31;
/** A second in which this share of frames was dropped for some client counts as congested. */
const CONGESTED_DROP_SHARE = 0.1;
/** Clean seconds in a row before quality is raised again. */
const CLEAN_SECONDS_TO_IMPROVE = 5;

/**
 * Adaptive quality: fed each second's frames sent and dropped, answers the quantiser to use (2 best .. 31
 * smallest) — never better than the configured one, which is where a session starts.
 */
export class QualityGovernor {
  private cleanSeconds = 0;

  constructor(
    private readonly best: number,
    private current = best,
  ) {}

  get quality(): number {
    return this.current;
  }

  second(sent: number, dropped: number): number {
    const total = sent + dropped;
    if (total > 0 && dropped / total >= CONGESTED_DROP_SHARE) {
      this.cleanSeconds = 0;
      this.current = Math.min(WORST, this.current + WORSEN_STEP);
    } else if (total > 0) {
      this.cleanSeconds += 1;
      if (this.cleanSeconds >= CLEAN_SECONDS_TO_IMPROVE && this.current > this.best) {
        this.current = Math.max(this.best, this.current - IMPROVE_STEP);
        this.cleanSeconds = 0;
      }
    }
    return this.current;
  }
}

/** Bitrate steps: a congested second cuts the cap by this factor, five clean ones raise it by the next. */
const BITRATE_CUT = 0.7;
const BITRATE_RAISE = 1.15;
const MIN_BITRATE_KBPS = 200;

/** A frame acknowledged later than this after it was sent means the path or the decoder is falling behind. */
export const LATE_ACK_MS = 250;

/**
 * Adaptive H.264 bitrate: fed each second's frames sent and dropped (a viewer's socket still full) and the
 * slowest frame acknowledgement, answers the cap to use in kbit/s — never above the policy's, which is where a
 * session starts. Late acknowledgements see congestion before the socket's buffers fill.
 */
export class BitrateGovernor {
  private cleanSeconds = 0;
  private current: number;

  constructor(private readonly max: number) {
    this.current = max;
  }

  second(sent: number, dropped: number, slowestAckMs = 0): number {
    const total = sent + dropped;
    if ((total > 0 && dropped / total >= CONGESTED_DROP_SHARE) || slowestAckMs > LATE_ACK_MS) {
      this.cleanSeconds = 0;
      this.current = Math.max(MIN_BITRATE_KBPS, Math.round(this.current * BITRATE_CUT));
    } else if (total > 0) {
      this.cleanSeconds += 1;
      if (this.cleanSeconds >= CLEAN_SECONDS_TO_IMPROVE && this.current < this.max) {
        this.current = Math.min(this.max, Math.round(this.current * BITRATE_RAISE));
        this.cleanSeconds = 0;
      }
    }
    return this.current;
  }
}
