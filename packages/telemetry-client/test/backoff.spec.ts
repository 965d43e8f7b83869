import { describe, expect, it } from 'vitest';
import { backoffDelay, INITIAL_BACKOFF_MS } from '../src/backoff';

describe('backoffDelay', () => {
  it('doubles from about 250 ms per failure, with jitter between half and all of the step', () => {
    expect(backoffDelay(1, 30_000, () => 0)).toBe(INITIAL_BACKOFF_MS / 2);
    expect(backoffDelay(1, 30_000, () => 1)).toBe(INITIAL_BACKOFF_MS);
    expect(backoffDelay(2, 30_000, () => 1)).toBe(INITIAL_BACKOFF_MS * 2);
    expect(backoffDelay(4, 30_000, () => 1)).toBe(INITIAL_BACKOFF_MS * 8);
    expect(backoffDelay(4, 30_000, () => 0.5)).toBe(INITIAL_BACKOFF_MS * 6);
  });

  it('never exceeds maxBackoffMs, however many failures', () => {
    expect(backoffDelay(100, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(1_000_000, 30_000, () => 0)).toBe(15_000);
    expect(backoffDelay(3, 100, () => 1)).toBe(100);
  });
});
