import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';

/** Every process a test run starts carries this variable, with the run's id: the run's end finds strays by it. */
const RUN_MARKER = 'WEBSTREAM_E2E_RUN';
const GONE_POLL_MS = 100;

/** A run's marker: the environment its processes are started with, and the SIGKILL that ends whatever is left. */
export class RunMarker {
  readonly id = randomBytes(6).toString('hex');

  get env(): Record<string, string> {
    return { [RUN_MARKER]: this.id };
  }

  /**
   * SIGKILL to every process that carries this run's marker (streamers orphaned by a killed host, a role
   * still shutting down after its supervisor was killed), resolving once they are gone, so nothing writes into
   * the run's folder while it is removed.
   */
  async killAll(): Promise<void> {
    for (;;) {
      const marked = await this.markedProcesses();
      if (marked.length === 0) return;
      for (const pid of marked) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      await new Promise((done) => setTimeout(done, GONE_POLL_MS));
    }
  }

  private async markedProcesses(): Promise<number[]> {
    const marker = `${RUN_MARKER}=${this.id}`;
    const marked: number[] = [];
    for (const entry of await readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        const status = await readFile(`/proc/${entry}/stat`, 'utf8');
        // A zombie has exited and only waits for its parent: it writes nothing more.
        if (status.slice(status.lastIndexOf(')') + 2).startsWith('Z')) continue;
        const environ = await readFile(`/proc/${entry}/environ`, 'utf8');
        if (environ.split('\0').includes(marker)) marked.push(Number(entry));
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
    return marked;
  }
}
