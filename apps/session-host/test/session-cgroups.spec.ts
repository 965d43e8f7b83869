import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCgroupLimiter } from '../src/sandbox/session-cgroups';

const limits = { memoryMb: 64, cpus: 0.5, processes: 16, openFiles: 256, homeDiskMb: 16 };

function alive(pid: number): boolean {
  try {
    const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== 'Z';
  } catch {
    return false;
  }
}

// The host's real cgroups (v2, or v1 as on the CI machine), as root: what a session's group holds and how a
// restarted host ends what its last run left.
describe('session cgroups', () => {
  const prefix = `host-test-${randomBytes(3).toString('hex')}-`;
  const children: number[] = [];

  afterAll(() => {
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  it('puts limits on a group, and a sweep ends the processes left in groups of a prefix and removes them', async () => {
    const limiter = await openCgroupLimiter();
    const group = await limiter.create(`${prefix}s1`, limits);
    expect(group.procs.length).toBeGreaterThan(0);
    const limitsOf = group.procs.map((procs) => dirname(procs));
    const pidsMax = limitsOf.map((dir) => `${dir}/pids.max`).find((file) => existsSync(file));
    expect(readFileSync(pidsMax!, 'utf8').trim()).toBe('16');

    // A process left behind by a host that died: in the group, not the test's child for long.
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    children.push(child.pid!);
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    for (const procs of group.procs) await writeFile(procs, String(child.pid));
    expect(readFileSync(group.procs[0]!, 'utf8')).toContain(String(child.pid));
    const other = await limiter.create(`other-${prefix}s2`, limits);

    expect(await limiter.sweep(prefix)).toBe(1);
    expect(await exited).toBe('SIGKILL');
    expect(alive(child.pid!)).toBe(false);
    for (const dir of limitsOf) expect(existsSync(dir)).toBe(false);
    // Another host's group is not touched.
    expect(existsSync(other.procs[0]!)).toBe(true);
    await other.remove();
    expect(existsSync(other.procs[0]!)).toBe(false);
  });
});
