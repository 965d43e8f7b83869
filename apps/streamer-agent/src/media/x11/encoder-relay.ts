import { type MediaLogger } from '../media';
import { type ChildExit, describeExit, ManagedChild } from './managed-child';
import { type ScreenActivity } from './screen-damage';
import { type HelperSpawn } from './session-sandbox';
import { StillScreenPause } from './still-screen-pause';

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 10_000;

/** One ffmpeg encoding the display to its stdout (an MJPEG grab or an H.264 encoder), as the session's uid. */
export abstract class EncoderProcess {
  private readonly child: ManagedChild;

  protected constructor(
    /** 'ffmpeg', 'ffmpeg-h264': for logs. */
    private readonly name: string,
    args: string[],
    spawnAs: HelperSpawn,
    logger: MediaLogger,
  ) {
    this.child = new ManagedChild({ name, command: 'ffmpeg', args, ...spawnAs, stdout: 'pipe', logger });
    this.child.process.stdout?.on('data', (chunk: Buffer) => this.output(chunk));
  }

  /** What ffmpeg wrote, as the pipe delivers it. */
  protected abstract output(chunk: Buffer): void;

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): Promise<ChildExit> {
    return this.child.exited;
  }

  describe(exit: ChildExit): string {
    return `${describeExit(this.name, exit)}: ${this.child.stderr.text()}`;
  }

  pause(): void {
    this.child.pause();
  }

  resume(): void {
    this.child.resume();
  }

  stop(): Promise<void> {
    return this.child.terminate();
  }
}

/**
 * The processes behind one capture: one active encoder, replaced without a gap — the replacement runs beside it
 * until its first usable output, then takes over — paused on a still screen and stopped after a long one
 * (StillScreenPause), started again with a backoff when it dies, and none at all while nobody watches.
 */
export class EncoderRelay<T extends EncoderProcess> {
  private active: T | undefined;
  private pending: T | undefined;
  private readonly retired = new Set<T>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = FIRST_RETRY_MS;
  private lastOutputAt = 0;
  private wanted = false;
  private halted = false;
  private readonly still: StillScreenPause;

  constructor(
    activity: ScreenActivity,
    /** Starts a process; its output goes to the owner, which asks accept() whether to use it. */
    private readonly launch: () => T,
    /** 'the ffmpeg capture', 'the H.264 encoder': for logs. */
    private readonly what: string,
    private readonly logger: MediaLogger,
  ) {
    this.still = new StillScreenPause(activity, {
      pause: () => {
        if (this.active === undefined || this.pending !== undefined) return false;
        this.active.pause();
        return true;
      },
      resume: () => {
        if (this.active === undefined) this.start();
        else this.active.resume();
      },
      release: () => {
        if (this.active === undefined || this.pending !== undefined) return;
        this.retire(this.active);
        this.active = undefined;
      },
      lastFrameAt: () => this.lastOutputAt,
    });
  }

  /** Pids of the processes running now (tests and diagnostics). */
  get pids(): number[] {
    return [this.active?.pid, this.pending?.pid].filter((pid): pid is number => pid !== undefined);
  }

  /** Whether the active process is paused on a still screen. */
  get paused(): boolean {
    return this.still.isPaused;
  }

  /** Whether a replacement is starting beside the active process. */
  get replacing(): boolean {
    return this.pending !== undefined;
  }

  /** Someone watches: a process runs from now on (start() starts it). Nobody: every process stops. */
  setWanted(wanted: boolean): void {
    if (this.halted || wanted === this.wanted) return;
    this.wanted = wanted;
    if (wanted) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const process of [this.active, this.pending]) if (process) this.retire(process);
    this.active = undefined;
    this.pending = undefined;
  }

  /** A new process: the only one, or a replacement beside the active one (which a pending one replaces). */
  start(): void {
    if (this.halted || !this.wanted) return;
    // A paused process would hold back what the viewers see until the replacement takes over.
    if (this.still.isPaused) this.active?.resume();
    this.still.reset();
    // Not paused again before the new process has shown what it sees.
    this.lastOutputAt = 0;
    if (this.pending) this.retire(this.pending);
    const process = this.launch();
    void process.exited.then((exit) => this.exited(process, exit));
    if (this.active === undefined) this.active = process;
    else this.pending = process;
  }

  /**
   * Whether output of `process` is to be used: the active one's, or a replacement's that `takesOver` (its first
   * frame, its first keyframe), which then becomes the active one.
   */
  accept(process: T, takesOver: boolean): boolean {
    if (process === this.pending && takesOver) {
      if (this.active) this.retire(this.active);
      this.active = process;
      this.pending = undefined;
    }
    if (process !== this.active) return false;
    this.retryMs = FIRST_RETRY_MS;
    this.lastOutputAt = Date.now();
    return true;
  }

  /** Stops every process for good (the session stops or the display died). */
  async halt(): Promise<void> {
    this.halted = true;
    this.still.stop();
    clearTimeout(this.retryTimer);
    const processes = [this.active, this.pending, ...this.retired].filter((p): p is T => p !== undefined);
    this.active = undefined;
    this.pending = undefined;
    await Promise.all(processes.map((process) => process.stop()));
  }

  private retire(process: T): void {
    this.retired.add(process);
    void process.stop().then(() => this.retired.delete(process));
  }

  private exited(process: T, exit: ChildExit): void {
    if (this.halted || this.retired.has(process)) return;
    if (process === this.pending) {
      this.pending = undefined;
      this.logger.error(
        { error: process.describe(exit) },
        `a new start of ${this.what} failed; keeping the running one`,
      );
      return;
    }
    if (process !== this.active) return;
    this.active = undefined;
    if (this.pending) {
      // A replacement is starting already (a resize ends the old grab): it takes over.
      this.active = this.pending;
      this.pending = undefined;
      this.lastOutputAt = 0;
      return;
    }
    if (!this.wanted) return;
    this.logger.warn(
      { error: process.describe(exit), retryMs: this.retryMs },
      `${this.what} ended; restarting`,
    );
    const wait = this.retryMs;
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.start();
    }, wait);
  }
}
