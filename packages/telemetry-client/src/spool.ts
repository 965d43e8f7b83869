// The on-disk part of the buffer: one JSON file per batch, written atomically, named so they sort in creation order.
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Batches the engine answered 400 to are moved here, never retried. */
export const REJECTED_DIR = 'rejected';

const SEQ_DIGITS = 12;
// <seq>-<events>-<idempotencyKey>.json: the event count in the name lets the gauges count spooled events without reading.
const SPOOL_FILE_PATTERN = /^(\d{12})-(\d{1,6})-([A-Za-z0-9_.:-]{8,128})\.json$/;
const TEMP_SUFFIX = '.tmp';

export interface SpoolEntry {
  readonly name: string;
  readonly seq: number;
  readonly eventCount: number;
  readonly idempotencyKey: string;
}

export function spoolFileName(seq: number, eventCount: number, idempotencyKey: string): string {
  return `${String(seq).padStart(SEQ_DIGITS, '0')}-${eventCount}-${idempotencyKey}.json`;
}

export function parseSpoolFileName(name: string): SpoolEntry | undefined {
  const match = SPOOL_FILE_PATTERN.exec(name);
  if (!match) return undefined;
  const [, seq, count, key] = match;
  if (seq === undefined || count === undefined || key === undefined) return undefined;
  return { name, seq: Number(seq), eventCount: Number(count), idempotencyKey: key };
}

/** Writes to a temporary name, syncs, then renames: a crash leaves either the whole file or none of it. */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const temp = `${file}${TEMP_SUFFIX}`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

export interface SpoolScan {
  /** Batches left by an earlier run, oldest first. */
  readonly entries: SpoolEntry[];
  /** Files that are neither batches nor leftovers of an interrupted write; left alone. */
  readonly unknown: string[];
}

/** Creates the spool folders if missing, removes half-written temp files and lists the spooled batches. */
export async function scanSpool(dir: string): Promise<SpoolScan> {
  await mkdir(path.join(dir, REJECTED_DIR), { recursive: true });
  const entries: SpoolEntry[] = [];
  const unknown: string[] = [];
  for (const dirent of await readdir(dir, { withFileTypes: true })) {
    if (!dirent.isFile()) continue;
    if (dirent.name.endsWith(TEMP_SUFFIX)) {
      await unlinkIfPresent(path.join(dir, dirent.name));
      continue;
    }
    const entry = parseSpoolFileName(dirent.name);
    if (entry) entries.push(entry);
    else unknown.push(dirent.name);
  }
  entries.sort((a, b) => a.seq - b.seq || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries, unknown };
}

export async function readJsonFile(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8')) as unknown;
}

export async function unlinkIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
}

export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}
