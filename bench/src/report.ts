// The one table every suite adds its figures to, and the progress lines printed while steps run.
import { cpus, totalmem, type as osType, release } from 'node:os';

/** A threshold a figure must reach (or stay under). */
export interface Target {
  /** What is compared: the value itself, or value / baseline. */
  of: 'value' | 'ratio';
  op: '>=' | '<=';
  threshold: number;
}

export interface Figure {
  suite: string;
  /** e.g. "ingest end to end (TelemetryClient → engine → PostgreSQL)". */
  name: string;
  value: number;
  unit: string;
  /** The same quantity measured another way in the same run, e.g. a raw COPY. */
  baseline?: { name: string; value: number };
  targets?: Target[];
}

export interface FigureResult extends Figure {
  ratio?: number;
  /** Undefined when the figure has no target. */
  met?: boolean;
}

export function evaluate(figure: Figure): FigureResult {
  const ratio =
    figure.baseline && figure.baseline.value > 0 ? figure.value / figure.baseline.value : undefined;
  const met = figure.targets?.every((target) => {
    const actual = target.of === 'value' ? figure.value : ratio;
    if (actual === undefined) return false;
    return target.op === '>=' ? actual >= target.threshold : actual <= target.threshold;
  });
  return {
    ...figure,
    ...(ratio !== undefined ? { ratio } : {}),
    ...(met !== undefined ? { met } : {}),
  };
}

/** Nearest-rank percentile; NaN of nothing. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatTarget(figure: Figure): string {
  if (!figure.targets?.length) return '';
  return figure.targets
    .map(
      (t) =>
        `${t.op === '>=' ? '≥' : '≤'} ${t.threshold.toLocaleString('en-US', { maximumFractionDigits: 3 })}${t.of === 'ratio' ? '× baseline' : ''}`,
    )
    .join(' and ');
}

/** The table as monospaced text, one row per figure. */
export function renderTable(results: readonly FigureResult[]): string {
  const header = ['figure', 'value', 'unit', 'baseline', 'ratio', 'target', 'met?'];
  const rows = results.map((r) => [
    r.name,
    formatNumber(r.value),
    r.unit,
    r.baseline ? formatNumber(r.baseline.value) : '',
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : '',
    formatTarget(r),
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  return renderGrid(header, rows, new Set([1, 3, 4]));
}

/** Rows of cells as a Markdown table padded to monospaced columns; `numeric` columns are right-aligned. */
export function renderGrid(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: ReadonlySet<number>,
): string {
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, col) => (numeric.has(col) ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, col) => (numeric.has(col) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  postgres?: string;
  postgresSource?: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()} ${process.arch}`,
    node: process.version,
  };
}

const started = performance.now();

/** A progress line on stderr (stdout carries only the table), stamped with the time since the start. */
export function progress(message: string): void {
  const seconds = (performance.now() - started) / 1000;
  const stamp = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${(seconds % 60).toFixed(1).padStart(4, '0')}`;
  process.stderr.write(`[bench ${stamp}] ${message}\n`);
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}
