// The results files in bench/results/: one a suite (`<suite>-<timestamp>.json`) and, when a run has several
// suites, one of the whole run (`all-<timestamp>.json`), each with the figures, the machine and the details.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { type BenchOptions } from './cli';
import { type FigureResult, type MachineInfo } from './report';

export const RESULTS_DIR = resolve(__dirname, '..', 'results');
/** The file of a whole run of several suites: `all-<timestamp>.json`. */
export const ALL_SUITES = 'all';

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  seconds: number;
  suites: string[];
  options: BenchOptions;
  machine: MachineInfo;
  figures: FigureResult[];
  /** Per suite: whatever it kept besides its figures (every run's timings, counts, anomalies). */
  details: Record<string, Record<string, unknown>>;
  error?: string;
}

/** 2026-11-24T00:05:27.123Z → 20261124T000527Z (ISO 8601 basic format: no colons in the file name). */
export function fileStamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** Writes `<name>-<stamp>.json` into RESULTS_DIR; answers its path. */
export async function writeResults(name: string, stamp: string, results: BenchResults): Promise<string> {
  const file = join(RESULTS_DIR, `${name}-${stamp}.json`);
  // Formatted like every other file of the repository, so `prettier --check .` stays green after a run.
  const json = JSON.stringify(results, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value,
  );
  await writeFile(file, await format(json, { ...(await resolveConfig(file)), filepath: file }));
  return file;
}

export async function readResults(file: string): Promise<BenchResults> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<BenchResults>;
  if (!Array.isArray(parsed.figures) || typeof parsed.startedAt !== 'string')
    throw new Error(`${file} is not a bench results file (no figures or startedAt)`);
  return parsed as BenchResults;
}

/** What a results file is of: `metrics-20261124T000527Z.json` → `metrics`, `all-...` → `all`. */
export function resultsKind(fileName: string): string | undefined {
  return /^(.+)-[0-9]{8}T[0-9]{6}Z\.json$/.exec(fileName)?.[1];
}

/** The results files in RESULTS_DIR, oldest first (the stamp sorts by time). */
export async function resultsFiles(): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(RESULTS_DIR);
  } catch {
    return [];
  }
  const stamp = (name: string): string => name.slice(name.length - '20261124T000527Z.json'.length);
  return names
    .filter((name) => resultsKind(name) !== undefined)
    .sort((a, b) => stamp(a).localeCompare(stamp(b)) || a.localeCompare(b))
    .map((name) => join(RESULTS_DIR, name));
}
