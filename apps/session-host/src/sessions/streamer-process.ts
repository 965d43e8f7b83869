import { type ChildProcess } from 'node:child_process';
import { endGroup, killGroupNow } from './process-group';

const STDERR_LINES = 20;
const STDERR_LINE_CHARS = 500;

export interface StreamerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: string;
}

/**
 * One running streamer: the leader of its own process group (spawned detached), so its X server,
 * application and capture processes end with it. Keeps the last lines of its stderr for the log.
 */
export class StreamerProcess {
  readonly pid: number | undefined;
  /** Resolves once the streamer process itself has exited (its group may live on). */
  readonly exited: Promise<StreamerExit>;
  private exit: StreamerExit | undefined;
  private readonly stderrLines: string[] = [];
  private partialLine = '';

  constructor(private readonly child: ChildProcess) {
    this.pid = child.pid;
    this.exited = new Promise<StreamerExit>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      child.once('error', (error) => {
        // Only a spawn failure leaves no exit event behind.
        if (this.pid === undefined) {
          this.exit = { code: null, signal: null, error: error.message };
          resolve(this.exit);
        }
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => this.noteStderr(chunk));
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** The last lines the streamer wrote to stderr, oldest first. */
  stderrTail(): string[] {
    const tail = this.partialLine === '' ? this.stderrLines : [...this.stderrLines, this.partialLine];
    return tail.slice(-STDERR_LINES);
  }

  /** Ends the streamer's whole process group (SIGTERM, then SIGKILL after graceMs) and waits for its exit. */
  async stop(graceMs: number): Promise<'gone' | 'terminated' | 'killed' | 'stuck'> {
    if (this.pid === undefined) return 'gone';
    const outcome = await endGroup(this.pid, graceMs);
    // The group is gone, so the leader is too; its exit event follows at once.
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    return outcome;
  }

  /** At process exit: SIGKILL to the group, synchronously. */
  killNow(): void {
    if (this.pid !== undefined) killGroupNow(this.pid);
  }

  private noteStderr(chunk: string): void {
    const lines = (this.partialLine + chunk).split('\n');
    this.partialLine = lines.pop()!.slice(0, STDERR_LINE_CHARS);
    for (const line of lines) {
      if (line.trim() === '') continue;
      this.stderrLines.push(line.slice(0, STDERR_LINE_CHARS));
      if (this.stderrLines.length > STDERR_LINES) this.stderrLines.shift();
    }
  }
}
