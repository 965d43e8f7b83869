// pnpm bench:compare [a.json [b.json]]: the change of every figure from results file A to results file B (any
// two: a suite's, or a whole run's all-<timestamp>.json), matched by suite and name, with which way is better.
// Without B, A is compared with the newest earlier file of its kind; without either, the two newest files of
// the newest kind. A name alone is looked for in bench/results/.
import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { type FigureResult, formatNumber, renderGrid } from './report';
import { type BenchResults, readResults, RESULTS_DIR, resultsFiles, resultsKind } from './results';

const USAGE = `usage: pnpm bench:compare [a.json [b.json]]

  a.json b.json   the change of every figure from A to B (matched by suite and name)
  a.json          A against the newest earlier results file of the same kind (suite, or all)
  (none)          the two newest results files of the newest kind

A file is looked for as given (from the folder pnpm was run in), then in bench/results/.
A change of less than ${'±'}2% is shown as ≈; "better" and "worse" follow the figure's target, else its unit.`;

/** Below this relative change a figure is the same. */
const SAME = 0.02;

class UsageError extends Error {}

function locate(given: string): string {
  const base = process.env['INIT_CWD'] ?? process.cwd();
  for (const candidate of [isAbsolute(given) ? given : resolve(base, given), join(RESULTS_DIR, given)])
    if (existsSync(candidate)) return candidate;
  throw new UsageError(`no results file ${given} (nor ${join(relative(base, RESULTS_DIR), given)})`);
}

/** The two files to compare, oldest first where they were picked here. */
async function pick(args: readonly string[]): Promise<[string, string]> {
  if (args.length > 2) throw new UsageError('at most two files');
  if (args.length === 2) return [locate(args[0]!), locate(args[1]!)];
  const all = await resultsFiles();
  const newest = args.length === 1 ? locate(args[0]!) : all[all.length - 1];
  if (newest === undefined)
    throw new UsageError(`no results files in ${RESULTS_DIR} yet: run pnpm bench first`);
  const kind = resultsKind(basename(newest));
  const earlier = all.filter(
    (file) => resultsKind(basename(file)) === kind && basename(file) < basename(newest),
  );
  const previous = earlier[earlier.length - 1];
  if (previous === undefined)
    throw new UsageError(
      `no results file of kind ${kind ?? basename(newest)} older than ${basename(newest)}`,
    );
  return [previous, newest];
}

/** +1 when a higher value is better, −1 when lower, 0 when the figure does not say. */
function direction(figure: FigureResult): number {
  const target = figure.targets?.find((t) => t.of === 'value') ?? figure.targets?.[0];
  if (target !== undefined && !(figure.targets ?? []).some((t) => t.op !== target.op))
    return target.op === '>=' ? 1 : -1;
  if (/\/s$/.test(figure.unit)) return 1;
  if (/^(ms|MB|bytes|µs|fds|MB\/min)\b/.test(figure.unit)) return -1;
  return 0;
}

function describe(label: string, file: string, results: BenchResults): string {
  const m = results.machine;
  return `${label}: ${relative(process.env['INIT_CWD'] ?? process.cwd(), file)} (${results.startedAt}, ${results.suites.join(', ')}${results.options.quick ? ', --quick' : ''}): ${m.cpus} CPUs ${m.cpuModel}, Node ${m.node}, PostgreSQL ${m.postgres ?? '?'}${results.error !== undefined ? `; FAILED: ${results.error}` : ''}`;
}

/** `title (n):` and an item a line. */
function listing(title: string, items: readonly string[]): string {
  return [`${title} (${items.length}):`, ...items.map((item) => `  - ${item}`)].join('\n');
}

function met(figure: FigureResult | undefined): string {
  return figure?.met === undefined ? '–' : figure.met ? 'yes' : 'NO';
}

interface Pairing {
  /** A's figure and B's, in B's order; `loose` when their names differ in numbers only. */
  pairs: { old: FigureResult; figure: FigureResult; loose: boolean }[];
  onlyA: FigureResult[];
  onlyB: FigureResult[];
}

/**
 * Figures are paired by suite and name; those left are paired by their names with every number blanked out
 * (some names carry a count the run measured, "3,041 sessions selected and released"), where that leaves
 * exactly one on each side.
 */
function pair(a: readonly FigureResult[], b: readonly FigureResult[]): Pairing {
  const exact = (f: FigureResult): string => `${f.suite}\u0000${f.name}`;
  const loose = (f: FigureResult): string => exact(f).replace(/[0-9][0-9,.]*/g, '#');
  const byName = new Map(a.map((f) => [exact(f), f]));
  const pairs: Pairing['pairs'] = [];
  const leftB: FigureResult[] = [];
  const taken = new Set<FigureResult>();
  for (const figure of b) {
    const old = byName.get(exact(figure));
    if (old === undefined) leftB.push(figure);
    else {
      pairs.push({ old, figure, loose: false });
      taken.add(old);
    }
  }
  const leftA = a.filter((f) => !taken.has(f));
  const unique = (figures: FigureResult[]): Map<string, FigureResult | null> => {
    const map = new Map<string, FigureResult | null>();
    for (const f of figures) map.set(loose(f), map.has(loose(f)) ? null : f);
    return map;
  };
  const [looseA, looseB] = [unique(leftA), unique(leftB)];
  for (const figure of leftB) {
    const old = looseA.get(loose(figure));
    if (old && looseB.get(loose(figure)) === figure) {
      pairs.push({ old, figure, loose: true });
      taken.add(old);
    }
  }
  const paired = new Set(pairs.map((p) => p.figure));
  return { pairs, onlyA: a.filter((f) => !taken.has(f)), onlyB: b.filter((f) => !paired.has(f)) };
}

function compare(a: BenchResults, b: BenchResults): { table: string; notes: string[] } {
  const { pairs, onlyA, onlyB } = pair(a.figures, b.figures);
  const rows: string[][] = [];
  const tally = { better: 0, worse: 0, same: 0, unknown: 0 };
  const newlyMissed: string[] = [];
  for (const { old, figure, loose } of pairs) {
    const delta = figure.value - old.value;
    const relativeChange = old.value !== 0 ? delta / Math.abs(old.value) : delta === 0 ? 0 : Number.NaN;
    const sign = Math.sign(delta) * direction(figure);
    const verdict =
      Number.isFinite(relativeChange) && Math.abs(relativeChange) < SAME
        ? '≈'
        : sign > 0
          ? 'better'
          : sign < 0
            ? 'worse'
            : '';
    if (verdict === '≈') tally.same += 1;
    else if (verdict === 'better') tally.better += 1;
    else if (verdict === 'worse') tally.worse += 1;
    else tally.unknown += 1;
    if (old.met === true && figure.met === false) newlyMissed.push(`${figure.suite}: ${figure.name}`);
    const ratio = (f: FigureResult): string => (f.ratio !== undefined ? `${f.ratio.toFixed(2)}×` : '');
    rows.push([
      `${figure.suite}: ${figure.name}${loose ? ' *' : ''}`,
      figure.unit,
      formatNumber(old.value),
      formatNumber(figure.value),
      Number.isFinite(relativeChange)
        ? `${relativeChange >= 0 ? '+' : ''}${(relativeChange * 100).toFixed(1)}%`
        : `${delta >= 0 ? '+' : ''}${formatNumber(delta)}`,
      verdict,
      ratio(old) || ratio(figure) ? `${ratio(old) || '–'} → ${ratio(figure) || '–'}` : '',
      old.met === undefined && figure.met === undefined ? '' : `${met(old)} → ${met(figure)}`,
    ]);
  }
  const table = renderGrid(
    ['figure', 'unit', 'A', 'B', 'change', 'better?', 'ratio A → B', 'met? A → B'],
    rows,
    new Set([2, 3, 4]),
  );
  const notes = [
    `${rows.length} figures in both: ${tally.better} better, ${tally.worse} worse, ${tally.same} within ±${SAME * 100}%${tally.unknown > 0 ? `, ${tally.unknown} with no better way` : ''}`,
  ];
  const loosely = pairs.filter((p) => p.loose);
  if (loosely.length > 0)
    notes.push(
      listing(
        "* B's name differs from A's in its numbers only",
        loosely.map((p) => `${p.figure.suite}: A's was ${p.old.name}`),
      ),
    );
  if (newlyMissed.length > 0) notes.push(listing('targets met in A and missed in B', newlyMissed));
  for (const [label, figures] of [
    ['A', onlyA],
    ['B', onlyB],
  ] as const)
    if (figures.length > 0)
      notes.push(
        listing(
          `only in ${label}`,
          figures.map((f) => `${f.suite}: ${f.name}`),
        ),
      );
  const [ma, mb] = [a.machine, b.machine];
  if (ma.cpus !== mb.cpus || ma.cpuModel !== mb.cpuModel || ma.node !== mb.node)
    notes.push(
      'the two runs were on different machines or Node versions: compare the ratios rather than the values',
    );
  if (a.options.quick !== b.options.quick)
    notes.push('one run was --quick and the other not: their loops ran for different times');
  return { table, notes };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((arg) => arg !== '--');
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let files: [string, string];
  try {
    const unknown = args.find((arg) => arg.startsWith('-'));
    if (unknown !== undefined) throw new UsageError(`unknown option ${unknown}`);
    files = await pick(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  const [a, b] = await Promise.all(files.map((file) => readResults(file)));
  const { table, notes } = compare(a!, b!);
  process.stdout.write(`${describe('A', files[0], a!)}\n${describe('B', files[1], b!)}\n\n${table}\n\n`);
  for (const note of notes) process.stdout.write(`${note}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:compare FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
