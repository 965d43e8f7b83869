import { debugLog } from '../debug-log';
import { type MediaLogger } from '../media';
import { describeExit, ManagedChild } from './managed-child';
import { type HelperSpawn } from './session-sandbox';

const RESPAWN_INTERVAL_MS = 1_000;
/** Beyond this much unread script, pointer moves are dropped: they are superseded by the next move anyway. */
const BACKLOG_LIMIT_BYTES = 256 * 1024;

/**
 * One long-lived `xdotool -` reading script lines from stdin: ~1,900 events/s against ~200 with a process per
 * event (the notes). It is restarted, at most once a second, if it dies.
 */
export class XdotoolProcess {
  private child: ManagedChild | undefined;
  private lastSpawnAt = 0;
  private stopped = false;

  constructor(
    private readonly spawnAs: HelperSpawn,
    private readonly logger: MediaLogger,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    return this.ensure()?.started ?? Promise.resolve();
  }

  /** Writes whole lines; droppable lines (pointer moves) are skipped while xdotool is behind. */
  send(lines: readonly string[], droppable = false): void {
    if (lines.length === 0 || this.stopped) return;
    const child = this.ensure();
    const stdin = child?.process.stdin;
    if (!stdin?.writable) return;
    if (droppable && stdin.writableLength > BACKLOG_LIMIT_BYTES) {
      debugLog(this.logger, { backlog: stdin.writableLength }, 'xdotool is behind; dropping a pointer move');
      return;
    }
    for (const line of lines) {
      // Defence in depth: the command builders never produce a newline, and one would be a second command.
      if (/[\r\n]/.test(line)) return;
    }
    stdin.write(`${lines.join('\n')}\n`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.child?.process.stdin?.end();
    await this.child?.terminate();
  }

  private ensure(): ManagedChild | undefined {
    if (this.child && !this.child.hasExited) return this.child;
    if (Date.now() - this.lastSpawnAt < RESPAWN_INTERVAL_MS) return undefined;
    this.lastSpawnAt = Date.now();
    const child = new ManagedChild({
      name: 'xdotool',
      command: 'xdotool',
      args: ['-'],
      ...this.spawnAs,
      stdin: 'pipe',
      logger: this.logger,
    });
    void child.exited.then((exit) => {
      if (!this.stopped) {
        this.logger.warn(
          { reason: describeExit('xdotool', exit), stderr: child.stderr.text() },
          'xdotool ended; input restarts it',
        );
      }
    });
    this.child = child;
    return child;
  }
}
