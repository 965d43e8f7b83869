import { execFile } from 'node:child_process';
import { enterSessionCgroups, type HelperSpawn, spawnOptions } from './session-sandbox';

const XRANDR_TIMEOUT_MS = 3_000;

function xrandr(args: string[], spawnAs: HelperSpawn): Promise<{ ok: boolean; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'xrandr',
      args,
      { ...spawnOptions(spawnAs), timeout: XRANDR_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout) => resolve({ ok: !error, stdout }),
    );
    enterSessionCgroups(spawnAs, child.pid);
  });
}

/** The X screen's size now, or undefined when xrandr cannot tell. */
export async function screenSize(
  spawnAs: HelperSpawn,
): Promise<{ width: number; height: number } | undefined> {
  const query = await xrandr(['--current'], spawnAs);
  const match = /current (\d+) x (\d+)/.exec(query.stdout);
  return match ? { width: Number(match[1]), height: Number(match[2]) } : undefined;
}

/**
 * Asks the X server for a new screen size and returns the size it has afterwards. Xvfb (21.1, Debian 12) fixes its
 * RandR maximum at the size it started with and cannot add modes, but `--fb` does shrink (and regrow up to that
 * maximum) its screen, even though xrandr then fails to fit the output's fixed mode and exits non-zero: so the
 * result is read back rather than taken from the exit code.
 */
export async function resizeScreen(
  width: number,
  height: number,
  spawnAs: HelperSpawn,
): Promise<{ width: number; height: number } | undefined> {
  await xrandr(['--fb', `${width}x${height}`], spawnAs);
  return screenSize(spawnAs);
}

export interface ScreenSize {
  width: number;
  height: number;
}

/** One resize of the X screen: resizeScreen, or a stand-in in tests. */
export type ResizeRun = (
  width: number,
  height: number,
  spawnAs: HelperSpawn,
) => Promise<ScreenSize | undefined>;

/** After a run, how long further requests wait before the next one starts: bounds xrandr to a few runs a second. */
export const RESIZE_MIN_GAP_MS = 250;

interface Waiter {
  resolve: (size: ScreenSize | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Resize requests come from the browser, as many as it cares to send: this runs at most one resize at a time, and
 * requests made while one runs (or during the short gap after it) replace one another, so only the latest wanted
 * size runs next. Each caller gets the size the screen has after the run that covered its request — for a request
 * superseded by a later one, that of the run with the later size.
 */
export class ScreenResizer {
  private next: { width: number; height: number; waiters: Waiter[] } | undefined;
  private busy = false;

  constructor(
    private readonly spawnAs: HelperSpawn,
    private readonly run: ResizeRun = resizeScreen,
    private readonly minGapMs: number = RESIZE_MIN_GAP_MS,
  ) {}

  resize(width: number, height: number): Promise<ScreenSize | undefined> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      if (this.next === undefined) this.next = { width, height, waiters: [waiter] };
      else {
        this.next.width = width;
        this.next.height = height;
        this.next.waiters.push(waiter);
      }
      if (!this.busy) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.next !== undefined) {
        const { width, height, waiters } = this.next;
        this.next = undefined;
        try {
          const size = await this.run(width, height, this.spawnAs);
          for (const waiter of waiters) waiter.resolve(size);
        } catch (error: unknown) {
          for (const waiter of waiters) waiter.reject(error);
        }
        if (this.minGapMs > 0) await new Promise((resolve) => setTimeout(resolve, this.minGapMs));
      }
    } finally {
      this.busy = false;
    }
  }
}
