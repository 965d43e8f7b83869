import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type SessionLimits } from '@webstream/contracts';

const CGROUP_ROOT = '/sys/fs/cgroup';
const V1_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
const PARENT = 'webstream-sessions';
const CPU_PERIOD_US = 100_000;

/** How a host bounds a session's processes: cgroups (v2 or v1, as the host has them) or, failing those, rlimits. */
export type LimitEnforcement = 'cgroup-v2' | 'cgroup-v1' | 'rlimits';

export interface SessionCgroup {
  /** The cgroup.procs files the session's processes are written into. */
  procs: string[];
  /** Every process in the session's groups, killed; then the groups removed. */
  remove(): Promise<void>;
}

/** Creates one cgroup per session under a parent of the host's own, with the session's limits. */
export interface CgroupLimiter {
  readonly enforcement: Exclude<LimitEnforcement, 'rlimits'>;
  create(name: string, limits: SessionLimits): Promise<SessionCgroup>;
  /** Ends and removes every group whose name starts with `prefix` (left by a host that died); how many. */
  sweep(prefix: string): Promise<number>;
}

/** The groups under `parent` whose names start with `prefix`. */
async function groupsNamed(parent: string, prefix: string): Promise<string[]> {
  const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && entry.name.startsWith(prefix))
    .map((entry) => entry.name);
}

/**
 * The cgroups this host may create, found by creating the parent group and writing a limit into it: v2 when
 * the unified hierarchy is mounted at /sys/fs/cgroup, v1 when the memory, pids and cpu controllers are. Throws
 * with the reason when neither can be used (no privilege, a read-only mount in a container).
 */
export async function openCgroupLimiter(root = CGROUP_ROOT): Promise<CgroupLimiter> {
  if (existsSync(join(root, 'cgroup.controllers'))) return V2Limiter.open(root);
  if (V1_CONTROLLERS.every((controller) => existsSync(join(root, controller)))) return V1Limiter.open(root);
  throw new Error(`no cgroup v2 hierarchy nor v1 memory, pids and cpu controllers under ${root}`);
}

async function killAll(procsFile: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(procsFile, 'utf8');
  } catch {
    return;
  }
  for (const pid of text.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** rmdir succeeds only once the group's processes are gone: killed processes take a moment to be reaped. */
async function removeGroup(dir: string, procsFile: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    await killAll(procsFile);
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`cgroup ${dir} still holds processes`);
}

class V1Limiter implements CgroupLimiter {
  readonly enforcement = 'cgroup-v1' as const;

  private constructor(private readonly root: string) {}

  static async open(root: string): Promise<V1Limiter> {
    for (const controller of V1_CONTROLLERS) {
      await mkdir(join(root, controller, PARENT), { recursive: true });
    }
    return new V1Limiter(root);
  }

  async create(name: string, limits: SessionLimits): Promise<SessionCgroup> {
    const dirs = V1_CONTROLLERS.map((controller) => join(this.root, controller, PARENT, name));
    const [memory, pids, cpu] = dirs as [string, string, string];
    for (const dir of dirs) await mkdir(dir, { recursive: true });
    const bytes = String(limits.memoryMb * 1024 * 1024);
    await writeFile(join(memory, 'memory.limit_in_bytes'), bytes);
    // With swap accounting, swap counts too: a hog cannot spill past its limit into swap.
    if (existsSync(join(memory, 'memory.memsw.limit_in_bytes'))) {
      await writeFile(join(memory, 'memory.memsw.limit_in_bytes'), bytes);
    }
    await writeFile(join(pids, 'pids.max'), String(limits.processes));
    await writeFile(join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
    await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(Math.round(limits.cpus * CPU_PERIOD_US)));
    const procs = dirs.map((dir) => join(dir, 'cgroup.procs'));
    return {
      procs,
      remove: async () => {
        for (const [i, dir] of dirs.entries()) await removeGroup(dir, procs[i]!);
      },
    };
  }

  async sweep(prefix: string): Promise<number> {
    const names = new Set<string>();
    for (const controller of V1_CONTROLLERS) {
      const parent = join(this.root, controller, PARENT);
      for (const name of await groupsNamed(parent, prefix)) {
        names.add(name);
        await removeGroup(join(parent, name), join(parent, name, 'cgroup.procs'));
      }
    }
    return names.size;
  }
}

class V2Limiter implements CgroupLimiter {
  readonly enforcement = 'cgroup-v2' as const;

  private constructor(private readonly parent: string) {}

  /**
   * The parent is a sibling of the host's own group, so it holds no process and may hand controllers down (a
   * v2 group with processes may not); at the root of a container's cgroup namespace, the host moves itself
   * into a leaf first.
   */
  static async open(root: string): Promise<V2Limiter> {
    const own = (await readFile('/proc/self/cgroup', 'utf8'))
      .split('\n')
      .find((line) => line.startsWith('0::'))
      ?.slice(3);
    if (own === undefined) throw new Error('/proc/self/cgroup names no v2 group');
    let base = own === '/' ? root : join(root, own, '..');
    if (own === '/') {
      const leaf = join(root, 'webstream-host');
      await mkdir(leaf, { recursive: true });
      for (const pid of (await readFile(join(root, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean)) {
        await writeFile(join(leaf, 'cgroup.procs'), pid).catch(() => undefined);
      }
      base = root;
    }
    await writeFile(join(base, 'cgroup.subtree_control'), '+memory +pids +cpu');
    const parent = join(base, PARENT);
    await mkdir(parent, { recursive: true });
    await writeFile(join(parent, 'cgroup.subtree_control'), '+memory +pids +cpu');
    return new V2Limiter(parent);
  }

  async create(name: string, limits: SessionLimits): Promise<SessionCgroup> {
    const dir = join(this.parent, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'memory.max'), String(limits.memoryMb * 1024 * 1024));
    if (existsSync(join(dir, 'memory.swap.max'))) await writeFile(join(dir, 'memory.swap.max'), '0');
    await writeFile(join(dir, 'pids.max'), String(limits.processes));
    await writeFile(join(dir, 'cpu.max'), `${Math.round(limits.cpus * CPU_PERIOD_US)} ${CPU_PERIOD_US}`);
    const procs = join(dir, 'cgroup.procs');
    return {
      procs: [procs],
      remove: async () => {
        // cgroup.kill (Linux 5.14) ends every process at once; older kernels get the loop.
        await writeFile(join(dir, 'cgroup.kill'), '1').catch(() => undefined);
        await removeGroup(dir, procs);
      },
    };
  }

  async sweep(prefix: string): Promise<number> {
    const names = await groupsNamed(this.parent, prefix);
    for (const name of names) {
      const dir = join(this.parent, name);
      await writeFile(join(dir, 'cgroup.kill'), '1').catch(() => undefined);
      await removeGroup(dir, join(dir, 'cgroup.procs'));
    }
    return names.length;
  }
}
