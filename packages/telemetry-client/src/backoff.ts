/** The first retry waits about this long; each further failure doubles it, up to maxBackoffMs. */
export const INITIAL_BACKOFF_MS = 250;

/** Exponential back-off with "equal jitter": between half and all of the capped exponential delay. */
export function backoffDelay(
  failures: number,
  maxBackoffMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(maxBackoffMs, INITIAL_BACKOFF_MS * 2 ** exponent);
  return Math.max(1, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}
