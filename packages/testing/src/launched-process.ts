import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { type Writable } from 'node:stream';
import { sleep } from './helpers';

export interface LaunchOptions {
  /** In messages: "gateway 1", "metrics engine". */
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  /** Its whole environment: nothing of the caller's is added. */
  env: NodeJS.ProcessEnv;
  /** Written to descriptor 3 and closed: what a streamer reads its launch from. */
  descriptor3?: string;
  /** Leads a process group of its own: a signal reaches everything it started, even what outlives it. */
  ownGroup?: boolean;
  /** Runs as this user and group (nginx started by root as nobody). */
  user?: { uid: number; gid: number };
  /** Called with every chunk it prints (an echo to the caller's stderr, say). */
  onOutput?: (chunk: string) => void;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when it could not be started at all (spawn's error). */
  error?: string;
}

/** What each process keeps of its output: the latest part. */
const KEPT_OUTPUT_CHARS = 200_000;
const POLL_MS = 200;

/** Every process still running, killed when the caller exits without stopping them (a crash, process.exit). */
const running = new Set<LaunchedProcess>();
let exitHookInstalled = false;
function killOnExit(process_: LaunchedProcess): void {
  running.add(process_);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const launched of running) launched.signal('SIGKILL');
  });
}

function describeExit(exit: ProcessExit): string {
  return exit.error ?? `code ${exit.code}, signal ${exit.signal}`;
}

/**
 * A child process of a test suite or a benchmark: its output kept for failure messages, waits that fail at once
 * when it exits, and a stop that never leaves anything it started behind (SIGTERM, then SIGKILL to it and its
 * descendants after a grace period). The end-to-end suites and the benchmarks start every process through it.
 */
export class LaunchedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  private exitInfo: ProcessExit | undefined;
  private text = '';
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly options: LaunchOptions) {
    this.name = options.name;
    this.child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe', ...(options.descriptor3 === undefined ? [] : (['pipe'] as const))],
      detached: options.ownGroup ?? false,
      ...(options.user ?? {}),
    });
    if (options.descriptor3 !== undefined) {
      const launch = this.child.stdio[3] as Writable | null;
      launch?.on('error', () => undefined);
      launch?.end(options.descriptor3);
    }
    const append = (chunk: Buffer): void => {
      const text = chunk.toString();
      this.text += text;
      if (this.text.length > KEPT_OUTPUT_CHARS) this.text = this.text.slice(-KEPT_OUTPUT_CHARS);
      options.onOutput?.(text);
      for (const listener of this.listeners) listener();
    };
    this.child.stdout?.on('data', append);
    this.child.stderr?.on('data', append);
    this.exited = new Promise((done) => {
      const ended = (exit: ProcessExit): void => {
        if (this.exitInfo) return;
        this.exitInfo = exit;
        running.delete(this);
        for (const listener of this.listeners) listener();
        done(exit);
      };
      this.child.once('error', (error) => ended({ code: null, signal: null, error: error.message }));
      this.child.once('close', (code, signal) => ended({ code, signal }));
    });
    killOnExit(this);
  }

  static start(options: LaunchOptions): LaunchedProcess {
    return new LaunchedProcess(options);
  }

  /** How it ended, once it has. */
  get exit(): ProcessExit | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  get pid(): number | undefined {
    return this.running ? this.child.pid : undefined;
  }

  /** What it printed, stdout and stderr interleaved (the latest 200,000 characters). */
  output(): string {
    return this.text;
  }

  /** Throws, with its output, when it has exited. */
  assertRunning(): void {
    if (this.exitInfo) {
      throw new Error(`${this.name} exited (${describeExit(this.exitInfo)}); its output:\n${this.text}`);
    }
  }

  /** The first match of `pattern` in its output; fails when it exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      const check = (): void => {
        const match = pattern.exec(this.text);
        if (match) {
          cleanup();
          resolve(match[0]);
        } else if (this.exitInfo) {
          cleanup();
          reject(new Error(`${this.name} exited before printing ${String(pattern)}; output:\n${this.text}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `${this.name} printed no ${String(pattern)} within ${timeoutMs} ms; output:\n${this.text}`,
          ),
        );
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** Polls `probe` until it holds (a failing probe counts as not yet); fails when it exits first. */
  async ready(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertRunning();
      if (await probe().catch(() => false)) return;
      if (Date.now() > deadline) {
        throw new Error(`${this.name} was not ready within ${timeoutMs} ms; its output:\n${this.text}`);
      }
      await sleep(POLL_MS);
    }
  }

  /** Sends `signal` to it, or to its whole group when it leads one. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exitInfo) return;
    try {
      process.kill(this.options.ownGroup ? -pid : pid, signal);
    } catch {
      // gone already
    }
  }

  /** SIGKILL to it (its group, or it and every descendant); resolves once it has exited. */
  async kill(): Promise<ProcessExit> {
    if (this.exitInfo) return this.exitInfo;
    const descendants =
      this.options.ownGroup || this.child.pid === undefined ? [] : await descendantsOf(this.child.pid);
    this.signal('SIGKILL');
    for (const pid of descendants) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    return this.exited;
  }

  /** SIGTERM, then kill() when it has not exited after `graceMs`. */
  async stop(graceMs = 5_000): Promise<ProcessExit> {
    if (this.exitInfo) return this.exitInfo;
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      this.exited.then(() => true),
      new Promise<false>((done) => (timer = setTimeout(() => done(false), graceMs))),
    ]);
    clearTimeout(timer);
    return stopped ? this.exited : this.kill();
  }
}

/** Whether GET <url>/health/ready answers 200 now (a service's readiness, as its orchestrator asks it). */
export async function answersReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** The processes started by `pid`, children before their parents, read from /proc; empty where there is none. */
export async function descendantsOf(pid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  try {
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
        // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      } catch {
        // it ended while we looked
      }
    }
  } catch {
    return [];
  }
  const found: number[] = [];
  const visit = (parent: number): void => {
    for (const child of children.get(parent) ?? []) {
      visit(child);
      found.push(child);
    }
  };
  visit(pid);
  return found;
}
