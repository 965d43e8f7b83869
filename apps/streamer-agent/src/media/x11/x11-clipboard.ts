import { execFile, type ChildProcess } from 'node:child_process';
import { Listeners } from '../listeners';
import { type MediaLogger } from '../media';
import { ManagedChild } from './managed-child';
import { enterSessionCgroups, type HelperSpawn, spawnOptions } from './session-sandbox';

const POLL_INTERVAL_MS = 1_000;
const READ_TIMEOUT_MS = 2_000;
/** The contract's clipboard limit. */
const MAX_CLIPBOARD_BYTES = 16 * 1024 * 1024;

/**
 * The session's CLIPBOARD selection through xclip. X has no change notification short of XFixes, so it is polled
 * once a second; text we set ourselves is remembered and not echoed back to the client.
 */
export class X11Clipboard {
  private readonly listeners: Listeners<string>;
  private owner: ManagedChild | undefined;
  private reader: ChildProcess | undefined;
  private known: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly spawnAs: HelperSpawn,
    private readonly logger: MediaLogger,
  ) {
    this.listeners = new Listeners(logger, 'clipboard');
  }

  get pids(): number[] {
    return [this.owner?.pid, this.reader?.pid].filter((pid): pid is number => pid !== undefined);
  }

  onChange(listener: (text: string) => void): void {
    this.listeners.add(listener);
  }

  start(): void {
    this.schedule();
  }

  /**
   * xclip keeps running to serve the selection (-quiet keeps it in the foreground, so it stays ours to kill); it
   * exits by itself when another client takes the selection, including the next xclip we start.
   */
  async set(text: string): Promise<void> {
    if (this.stopped) return;
    this.known = text;
    const previous = this.owner;
    const owner = new ManagedChild({
      name: 'xclip',
      command: 'xclip',
      args: ['-selection', 'clipboard', '-in', '-quiet'],
      ...this.spawnAs,
      stdin: 'pipe',
      logger: this.logger,
    });
    this.owner = owner;
    await owner.started;
    await new Promise<void>((resolve) => owner.process.stdin?.end(text, resolve) ?? resolve());
    if (previous) void previous.terminate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.reader?.kill('SIGKILL');
    await this.owner?.terminate();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule());
    }, POLL_INTERVAL_MS);
  }

  private async poll(): Promise<void> {
    const text = await this.read();
    if (text === undefined || this.stopped || text === this.known) return;
    this.known = text;
    this.listeners.emit(text);
  }

  /** The selection's text, or undefined when it is empty, not text, or xclip failed. */
  private read(): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.reader = execFile(
        'xclip',
        ['-selection', 'clipboard', '-out'],
        {
          ...spawnOptions(this.spawnAs),
          timeout: READ_TIMEOUT_MS,
          maxBuffer: MAX_CLIPBOARD_BYTES,
          encoding: 'utf8',
        },
        (error, stdout) => {
          this.reader = undefined;
          resolve(error ? undefined : stdout);
        },
      );
      enterSessionCgroups(this.spawnAs, this.reader.pid);
    });
  }
}
