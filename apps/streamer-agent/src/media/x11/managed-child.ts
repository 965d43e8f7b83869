import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { type Writable } from 'node:stream';
import { type MediaLogger } from '../media';
import { enterSessionCgroups } from './session-sandbox';
import { StderrTail } from './stderr-tail';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  error?: Error;
}

export interface ManagedChildOptions {
  /** A short name for logs: 'xvfb', 'ffmpeg', 'xdotool'. */
  name: string;
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Who it runs as (a helper of a sandboxed session: the session's uid); the streamer's own by default. */
  uid?: number;
  gid?: number;
  /** The session's cgroups, which a helper joins as soon as it runs. */
  cgroupProcs?: readonly string[];
  cwd?: string;
  /** stdin, stdout and any extra descriptors; stderr is always piped into the tail. */
  stdin?: 'ignore' | 'pipe';
  stdout?: 'ignore' | 'pipe';
  extraFds?: number;
  /** After those: descriptors passed as they are (numbers), or pipes that get the data written once (Buffers). */
  fds?: readonly (number | Buffer)[];
  logger: MediaLogger;
}

const KILL_GRACE_MS = 2_000;
const AFTER_KILL_MS = 1_000;

/**
 * A child spawned in the streamer's own process group (not detached), so the session host's last-resort kill of
 * the group takes it along; terminate() is the orderly way.
 */
export class ManagedChild {
  readonly process: ChildProcess;
  readonly exited: Promise<ChildExit>;
  /** Resolves once the program runs; rejects when it could not be started. */
  readonly started: Promise<void>;
  readonly stderr = new StderrTail();
  private exit: ChildExit | undefined;
  private terminating: Promise<void> | undefined;

  constructor(readonly options: ManagedChildOptions) {
    const stdio: StdioOptions = [options.stdin ?? 'ignore', options.stdout ?? 'ignore', 'pipe'];
    for (let i = 0; i < (options.extraFds ?? 0); i++) stdio.push('pipe');
    const first = stdio.length;
    for (const fd of options.fds ?? []) stdio.push(typeof fd === 'number' ? fd : 'pipe');
    this.process = spawn(options.command, options.args, {
      env: options.env,
      uid: options.uid,
      gid: options.gid,
      cwd: options.cwd,
      stdio,
      detached: false,
    });
    enterSessionCgroups(options, this.process.pid);
    for (const [i, fd] of (options.fds ?? []).entries()) {
      if (typeof fd === 'number') continue;
      const pipe = this.process.stdio[first + i] as Writable | null | undefined;
      pipe?.on('error', () => undefined);
      pipe?.end(fd);
    }
    this.process.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    // A write to a dead child's stdin must not become an unhandled 'error' event.
    this.process.stdin?.on('error', () => undefined);
    this.exited = new Promise<ChildExit>((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exit ??= { code, signal };
        resolve(this.exit);
      });
      // 'on', not 'once': 'error' also reports a failed kill(), and an unheard 'error' event would crash the
      // streamer. Only a failed spawn (no pid) means the child never ran.
      this.process.on('error', (error) => {
        if (this.process.pid === undefined) {
          this.exit ??= { code: null, signal: null, error };
          resolve(this.exit);
        }
      });
    });
    this.started = new Promise<void>((resolve, reject) => {
      this.process.once('spawn', () => resolve());
      this.process.once('error', (error) => {
        if (this.process.pid === undefined) reject(error);
      });
    });
    // started is also observed through exited; this keeps an unobserved rejection from being reported.
    this.started.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** Holds the child where it is (SIGSTOP): a paused capture costs nothing until resume(). */
  pause(): void {
    if (this.exit === undefined && this.process.pid !== undefined) this.process.kill('SIGSTOP');
  }

  resume(): void {
    if (this.exit === undefined && this.process.pid !== undefined) this.process.kill('SIGCONT');
  }

  /** SIGTERM, then SIGKILL for the stubborn; resolves when the child is gone. Idempotent. */
  terminate(): Promise<void> {
    this.terminating ??= this.doTerminate();
    return this.terminating;
  }

  private async doTerminate(): Promise<void> {
    if (this.exit !== undefined || this.process.pid === undefined) return;
    this.process.kill('SIGTERM');
    // A paused child would hold the SIGTERM until continued.
    this.process.kill('SIGCONT');
    if (await settlesWithin(this.exited, KILL_GRACE_MS)) return;
    this.options.logger.warn(
      { child: this.options.name, pid: this.process.pid },
      'a child ignored SIGTERM; killing it',
    );
    this.process.kill('SIGKILL');
    await settlesWithin(this.exited, AFTER_KILL_MS);
  }
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** "the application exited with code 0", "… was killed by SIGKILL", "… could not be started: …". */
export function describeExit(what: string, exit: ChildExit): string {
  if (exit.error) return `${what} could not be started: ${exit.error.message}`;
  if (exit.signal) return `${what} was killed by ${exit.signal}`;
  return `${what} exited with code ${exit.code ?? 'unknown'}`;
}
