// A process's open files against its limit (Linux /proc): what bounds the relayed sockets a gateway can hold,
// and what a socket left behind shows up as.
import { readdir, readFile } from 'node:fs/promises';

/** The soft open-file limit of a process (Linux /proc/<pid>/limits). */
export async function openFileLimit(pid: number | 'self'): Promise<number | undefined> {
  try {
    const limits = await readFile(`/proc/${pid}/limits`, 'utf8');
    const match = /^Max open files\s+([0-9]+|unlimited)/m.exec(limits);
    if (!match) return undefined;
    return match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
  } catch {
    return undefined;
  }
}

export async function openFiles(pid: number): Promise<number | undefined> {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return undefined;
  }
}
