import { readdir, readFile } from 'node:fs/promises';

const POLL_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends a signal to every process of a group; false when the group has no process left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: a member exists that this user may not signal; it still exists.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a process of the group still runs. kill(-pgid, 0) also succeeds for zombies: members whose parent
 * died are re-parented to PID 1, which in some containers never reaps them. Where /proc exists, a group
 * whose members are all zombies counts as gone.
 */
export async function groupAlive(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}

/** Polls until the group is gone or `ms` passed; true when it is gone. */
export async function groupGoneWithin(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await groupAlive(pgid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/**
 * Ends a whole process group: SIGTERM to every member, SIGKILL after `graceMs` to whatever is left.
 * Resolves with how it ended; never waits longer than graceMs plus about a second.
 */
export async function endGroup(
  pgid: number,
  graceMs: number,
): Promise<'gone' | 'terminated' | 'killed' | 'stuck'> {
  if (!(await groupAlive(pgid))) return 'gone';
  signalGroup(pgid, 'SIGTERM');
  if (await groupGoneWithin(pgid, graceMs)) return 'terminated';
  signalGroup(pgid, 'SIGKILL');
  return (await groupGoneWithin(pgid, 1_000)) ? 'killed' : 'stuck';
}

/** For process exit, where nothing asynchronous runs any more. */
export function killGroupNow(pgid: number): void {
  signalGroup(pgid, 'SIGKILL');
}
