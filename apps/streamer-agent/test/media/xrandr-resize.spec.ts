import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RESIZE_MIN_GAP_MS, ScreenResizer, type ScreenSize } from '../../src/media/x11/xrandr-resize';

/** A stand-in for xrandr: each run waits until the test finishes it, and reports the size it was asked for. */
class FakeRuns {
  readonly calls: ScreenSize[] = [];
  running = 0;
  maxRunning = 0;
  private readonly finishers: (() => void)[] = [];

  readonly run = (width: number, height: number): Promise<ScreenSize | undefined> => {
    this.calls.push({ width, height });
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise((resolve) => {
      this.finishers.push(() => {
        this.running -= 1;
        resolve({ width, height });
      });
    });
  };

  /** Finishes the oldest run still going, then lets its callers' promises and the gap timer settle. */
  async finish(): Promise<void> {
    const finisher = this.finishers.shift();
    if (finisher === undefined) throw new Error('no run is going');
    finisher();
    await vi.advanceTimersByTimeAsync(0);
  }
}

const spawnAs = { env: { DISPLAY: ':99' } };

describe('ScreenResizer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a lone request at once and resolves with its outcome', async () => {
    const runs = new FakeRuns();
    const resizer = new ScreenResizer(spawnAs, runs.run);
    const result = resizer.resize(800, 600);
    expect(runs.calls).toEqual([{ width: 800, height: 600 }]);
    await runs.finish();
    await expect(result).resolves.toEqual({ width: 800, height: 600 });
  });

  it('passes how to start xrandr (environment, uid) to the run', async () => {
    const run = vi.fn((width: number, height: number) => Promise.resolve({ width, height }));
    const resizer = new ScreenResizer(spawnAs, run, 0);
    await resizer.resize(640, 480);
    expect(run).toHaveBeenCalledWith(640, 480, spawnAs);
  });

  it('coalesces 100 requests made during a run into one more run, of the last size', async () => {
    const runs = new FakeRuns();
    const resizer = new ScreenResizer(spawnAs, runs.run);
    const first = resizer.resize(1000, 700);
    const later: Promise<ScreenSize | undefined>[] = [];
    for (let i = 0; i < 100; i += 1) later.push(resizer.resize(400 + i, 300 + i));
    expect(runs.calls).toHaveLength(1);

    await runs.finish();
    await expect(first).resolves.toEqual({ width: 1000, height: 700 });
    // The gap after a run: nothing starts before it is over.
    expect(runs.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(RESIZE_MIN_GAP_MS);
    expect(runs.calls).toEqual([
      { width: 1000, height: 700 },
      { width: 499, height: 399 },
    ]);

    await runs.finish();
    // Every superseded caller learns the size the screen has after the run that replaced its request.
    for (const result of later) await expect(result).resolves.toEqual({ width: 499, height: 399 });
    await vi.advanceTimersByTimeAsync(RESIZE_MIN_GAP_MS * 10);
    expect(runs.calls).toHaveLength(2);
    expect(runs.maxRunning).toBe(1);
  });

  it('never runs two at once, however requests and runs interleave', async () => {
    const runs = new FakeRuns();
    const resizer = new ScreenResizer(spawnAs, runs.run);
    const results: Promise<ScreenSize | undefined>[] = [];
    for (let round = 0; round < 5; round += 1) {
      for (let i = 0; i < 10; i += 1) results.push(resizer.resize(320 + round, 200 + i));
      await vi.advanceTimersByTimeAsync(RESIZE_MIN_GAP_MS);
      await runs.finish();
    }
    await vi.advanceTimersByTimeAsync(RESIZE_MIN_GAP_MS * 10);
    await Promise.all(results);
    expect(runs.maxRunning).toBe(1);
    // The first request of all, then per round the last request of the round before, which superseded the rest.
    expect(runs.calls).toEqual([
      { width: 320, height: 200 },
      { width: 321, height: 209 },
      { width: 322, height: 209 },
      { width: 323, height: 209 },
      { width: 324, height: 209 },
    ]);
  });

  it('starts a request made after the gap at once', async () => {
    const runs = new FakeRuns();
    const resizer = new ScreenResizer(spawnAs, runs.run);
    const first = resizer.resize(800, 600);
    await runs.finish();
    await first;
    await vi.advanceTimersByTimeAsync(RESIZE_MIN_GAP_MS);
    const second = resizer.resize(640, 480);
    expect(runs.calls).toHaveLength(2);
    await runs.finish();
    await expect(second).resolves.toEqual({ width: 640, height: 480 });
  });

  it('rejects the callers a failed run covered, and keeps serving later requests', async () => {
    let fail = true;
    const run = vi.fn((width: number, height: number) =>
      fail ? Promise.reject(new Error('xrandr broke')) : Promise.resolve({ width, height }),
    );
    const resizer = new ScreenResizer(spawnAs, run, 0);
    await expect(resizer.resize(800, 600)).rejects.toThrow('xrandr broke');
    fail = false;
    await expect(resizer.resize(640, 480)).resolves.toEqual({ width: 640, height: 480 });
  });
});
