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
