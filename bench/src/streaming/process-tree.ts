// A process and everything it started (a streamer's Xvfb, application, ffmpeg, xdotool …), from /proc: the
// CPU and memory of one session, whatever process they are spent in.
import { readdir, readFile } from 'node:fs/promises';

interface ProcStat {
  pid: number;
  ppid: number;
  cpuSeconds: number;
  rssBytes: number;
}

const PAGE_SIZE = 4096;

async function stat(pid: number): Promise<ProcStat | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(fields[1]),
      // utime + stime, in USER_HZ (100 on every Linux platform Node runs on).
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100,
      rssBytes: Number(fields[21]) * PAGE_SIZE,
    };
  } catch {
    return undefined;
  }
}

export interface TreeUsage {
  processes: number;
  cpuSeconds: number;
  rssBytes: number;
  /** Command names, for the JSON details. */
  commands: string[];
  /** CPU seconds and RSS by command name (node, Xvfb, ffmpeg, xterm …). */
  byCommand: Record<string, { cpuSeconds: number; rssBytes: number }>;
}

export async function treeUsage(root: number): Promise<TreeUsage> {
  const all: ProcStat[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const found = await stat(Number(entry));
    if (found) all.push(found);
  }
  const children = new Map<number, ProcStat[]>();
  for (const proc of all) {
    const list = children.get(proc.ppid) ?? [];
    list.push(proc);
    children.set(proc.ppid, list);
  }
  const rootStat = all.find((proc) => proc.pid === root);
  if (!rootStat) throw new Error(`process ${root} is gone`);
  const tree: ProcStat[] = [];
  const walk = (proc: ProcStat): void => {
    tree.push(proc);
    for (const child of children.get(proc.pid) ?? []) walk(child);
  };
  walk(rootStat);
  const commands: string[] = [];
  const byCommand: TreeUsage['byCommand'] = {};
  for (const proc of tree) {
    let command = 'gone';
    try {
      command = (await readFile(`/proc/${proc.pid}/comm`, 'utf8')).trim();
    } catch {
      // gone since: its figures were read already
    }
    commands.push(command);
    const entry = (byCommand[command] ??= { cpuSeconds: 0, rssBytes: 0 });
    entry.cpuSeconds += proc.cpuSeconds;
    entry.rssBytes += proc.rssBytes;
  }
  return {
    processes: tree.length,
    cpuSeconds: tree.reduce((sum, proc) => sum + proc.cpuSeconds, 0),
    rssBytes: tree.reduce((sum, proc) => sum + proc.rssBytes, 0),
    commands,
    byCommand,
  };
}
