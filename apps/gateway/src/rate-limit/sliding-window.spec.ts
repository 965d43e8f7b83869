import { describe, expect, it } from 'vitest';
import { bucketWidthMs, MemorySlidingWindows, SlidingWindow, type WindowLimit } from './sliding-window';

function clocked(start = 1_000_000) {
  const clock = { now: start };
  return { clock, windows: new MemorySlidingWindows(() => clock.now) };
}

const user = (limit: number, windowMs = 10_000): WindowLimit => ({ key: 'user', limit, windowMs });
const org = (limit: number, windowMs = 10_000): WindowLimit => ({ key: 'org', limit, windowMs });

describe('bucketWidthMs', () => {
  it('is 100 ms for windows of 1 s to 100 s, a tenth of shorter ones, a thousandth of longer ones', () => {
    expect(bucketWidthMs(1_000)).toBe(100);
    expect(bucketWidthMs(60_000)).toBe(100);
    expect(bucketWidthMs(100_000)).toBe(100);
    expect(bucketWidthMs(100)).toBe(10);
    expect(bucketWidthMs(500)).toBe(50);
    expect(bucketWidthMs(3_600_000)).toBe(3_600);
    expect(bucketWidthMs(5)).toBe(1);
  });
});

describe('MemorySlidingWindows', () => {
  it('admits exactly the limit, refuses the next without counting it, and says when to retry', () => {
    const { clock, windows } = clocked(1_000_000);
    for (let i = 1; i <= 3; i += 1) {
      // The first request's bucket [1_000_000, 1_000_100) leaves the window at 1_010_100.
      expect(windows.hit([user(3)])).toEqual({
        admitted: true,
        windows: [{ count: i, resetMs: 10_100 - (i - 1) }],
      });
      clock.now += 1;
    }
    expect(windows.hit([user(3)])).toEqual({ admitted: false, windows: [{ count: 3, resetMs: 10_097 }] });
    expect(windows.hit([user(3)]).windows[0]!.count).toBe(3);
  });

  it('slides: requests leave one bucket at a time, not all at a window boundary', () => {
    const { clock, windows } = clocked(0);
    // Two at 0 s, two at 6 s, in a 10 s window of 4.
    windows.hit([user(4)]);
    windows.hit([user(4)]);
    clock.now = 6_000;
    windows.hit([user(4)]);
    windows.hit([user(4)]);
    clock.now = 10_099;
    expect(windows.hit([user(4)]).admitted).toBe(false);
    // The 0 s bucket has left; the 6 s one has not: room for two, not four.
    clock.now = 10_100;
    expect(windows.hit([user(4)]).admitted).toBe(true);
    expect(windows.hit([user(4)]).admitted).toBe(true);
    expect(windows.hit([user(4)])).toEqual({ admitted: false, windows: [{ count: 4, resetMs: 6_000 }] });
    clock.now = 16_100;
    expect(windows.hit([user(4)]).windows[0]!.count).toBe(3);
  });

  it('never admits more than the limit in any span of one window, across any boundary', () => {
    const { clock, windows } = clocked(0);
    const admittedAt: number[] = [];
    // A request every 7 ms for 25 s against 50 per second.
    for (let t = 0; t < 25_000; t += 7) {
      clock.now = t;
      if (windows.hit([user(50, 1_000)]).admitted) admittedAt.push(t);
    }
    for (let i = 50; i < admittedAt.length; i += 1)
      expect(admittedAt[i]! - admittedAt[i - 50]!).toBeGreaterThanOrEqual(1_000);
    // ...and still lets about the limit through: the buckets cost at most one bucket width per window.
    expect(admittedAt.length).toBeGreaterThan(25 * 50 * (1_000 / 1_100) - 50);
  });

  it('charges the identity and the tenant together or not at all', () => {
    const { windows } = clocked();
    expect(windows.hit([user(5), org(2)]).admitted).toBe(true);
    expect(windows.hit([{ ...user(5), key: 'other-user' }, org(2)]).admitted).toBe(true);
    const refused = windows.hit([user(5), org(2)]);
    expect(refused.admitted).toBe(false);
    // The user's own window was not charged for the refused request.
    expect(refused.windows.map((window) => window.count)).toEqual([1, 2]);
  });

  it('counts a forced request even past the limit (the mirror of a shared admission)', () => {
    const { windows } = clocked();
    windows.hit([user(1)], true);
    expect(windows.hit([user(1)], true)).toMatchObject({ admitted: true, windows: [{ count: 2 }] });
    // Two over a limit of one: both must leave before one more fits.
    expect(windows.hit([user(1)])).toMatchObject({ admitted: false, windows: [{ count: 2 }] });
  });

  it('sweeps the windows nothing is counted in any more', () => {
    const { clock, windows } = clocked(0);
    windows.hit([user(1)]);
    windows.hit([org(1, 60_000)]);
    clock.now = 10_100;
    windows.sweep();
    expect(windows.size).toBe(1);
    clock.now = 60_100;
    windows.sweep();
    expect(windows.size).toBe(0);
  });
});

describe('SlidingWindow', () => {
  it('counts a request of a clock that stepped back in its newest bucket', () => {
    const window = new SlidingWindow(1_000);
    window.add(5_000);
    window.add(4_000);
    window.prune(5_050);
    expect(window.total).toBe(2);
    window.prune(6_100);
    expect(window.total).toBe(0);
  });

  it('keeps a bounded number of buckets over a long run', () => {
    const window = new SlidingWindow(1_000);
    for (let t = 0; t < 100_000; t += 10) {
      window.prune(t);
      window.add(t);
    }
    expect(window.total).toBeLessThanOrEqual(110);
    expect(window.msUntilFreed(99_990, 1)).toBe(10);
  });
});
