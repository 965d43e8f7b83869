// pnpm bench [suite...]: runs the suites, prints one table of every figure on stdout and writes the same as
// JSON: bench/results/<suite>-<timestamp>.json for each suite as it ends and, when several ran,
// bench/results/all-<timestamp>.json for the whole run (pnpm bench:compare compares two). Progress goes to stderr.
import { mkdir } from 'node:fs/promises';
import { relative } from 'node:path';
import { inspect } from 'node:util';
import { type BenchOptions, parseArgs, USAGE, UsageError } from './cli';
import { gatewaySuite } from './gateway';
import { iamSuite } from './iam';
import { metricsSuite } from './metrics';
import { PostgresServer } from './postgres';
import { proxySuite } from './proxy';
import { scenariosSuite } from './scenarios';
import { streamingSuite } from './streaming';
import { evaluate, type FigureResult, machineInfo, progress, renderTable } from './report';
import { ALL_SUITES, type BenchResults, fileStamp, RESULTS_DIR, writeResults } from './results';
import { Cleanup, type Suite, undoOnSignals } from './suite';

/** Every suite, in the order `pnpm bench` runs them; a new suite is one more entry. */
const SUITES: readonly Suite[] = [
  metricsSuite,
  iamSuite,
  gatewaySuite,
  proxySuite,
  streamingSuite,
  scenariosSuite,
];

function describeError(error: unknown, withStack = false): string {
  if (error instanceof Error) return withStack ? (error.stack ?? error.message) : error.message;
  return inspect(error);
}

function selectSuites(names: readonly string[]): Suite[] {
  if (names.length === 0) return [...SUITES];
  return names.map((name) => {
    const suite = SUITES.find((s) => s.name === name);
    if (!suite)
      throw new UsageError(
        `unknown suite ${JSON.stringify(name)} (known: ${SUITES.map((s) => s.name).join(', ')})`,
      );
    return suite;
  });
}

async function runSuites(options: BenchOptions, suites: Suite[]): Promise<number> {
  const startedAt = new Date();
  const stamp = fileStamp(startedAt);
  const machine = machineInfo();
  const results: FigureResult[] = [];
  const details: Record<string, Record<string, unknown>> = {};
  const files: string[] = [];
  const global = new Cleanup();
  await mkdir(RESULTS_DIR, { recursive: true });
  /** The results of `ran` from `since` until now: one suite's, or the whole run's. */
  const summarize = (ran: readonly Suite[], since: Date, failure: unknown): BenchResults => {
    const finishedAt = new Date();
    const names = new Set(ran.map((s) => s.name));
    return {
      startedAt: since.toISOString(),
      finishedAt: finishedAt.toISOString(),
      seconds: Math.round((finishedAt.getTime() - since.getTime()) / 100) / 10,
      suites: [...names],
      options,
      machine,
      figures: results.filter((r) => names.has(r.suite)),
      details: Object.fromEntries(Object.entries(details).filter(([suite]) => names.has(suite))),
      ...(failure !== undefined ? { error: describeError(failure) } : {}),
    };
  };
  let failure: unknown;
  try {
    const postgres = await PostgresServer.find();
    global.add('stop PostgreSQL', () => postgres.stop());
    machine.postgres = await postgres.version();
    machine.postgresSource = postgres.source;
    progress(
      `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, PostgreSQL ${machine.postgres}`,
    );
    for (const suite of suites) {
      progress(`suite ${suite.name}: ${suite.description}`);
      const suiteStartedAt = new Date();
      const cleanup = new Cleanup();
      const suiteDetails: Record<string, unknown> = {};
      details[suite.name] = suiteDetails;
      let suiteFailure: unknown;
      try {
        await suite.run({
          options,
          postgres,
          cleanup,
          record: (figure) => results.push(evaluate({ suite: suite.name, ...figure })),
          detail: (key, value) => {
            suiteDetails[key] = value;
          },
        });
      } catch (error) {
        suiteFailure = error;
        throw error;
      } finally {
        progress(`suite ${suite.name}: cleaning up`);
        await cleanup.run();
        // Each suite's own file as soon as it ends, so a later failure loses none of it.
        files.push(await writeResults(suite.name, stamp, summarize([suite], suiteStartedAt, suiteFailure)));
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    await global.run();
  }

  if (results.length > 0) process.stdout.write(`\n${renderTable(results)}\n\n`);
  const missed = results.filter((r) => r.met === false);
  const summary = summarize(suites, startedAt, failure);
  if (suites.length > 1) files.push(await writeResults(ALL_SUITES, stamp, summary));
  // A single suite that never started (PostgreSQL not found, say) still leaves its file, with the error.
  else if (files.length === 0) files.push(await writeResults(suites[0]!.name, stamp, summary));
  process.stdout.write(
    `${machine.cpus} CPUs, Node ${machine.node}, PostgreSQL ${machine.postgres ?? 'unknown'} (${machine.postgresSource ?? '?'}); ${summary.seconds} s in all\n`,
  );
  for (const file of files) process.stdout.write(`results: ${relative(process.cwd(), file) || file}\n`);

  if (failure !== undefined) {
    process.stderr.write(`\nbench FAILED: ${describeError(failure, true)}\n`);
    return 1;
  }
  if (missed.length > 0) {
    process.stdout.write(`targets missed: ${missed.map((r) => r.name).join('; ')}\n`);
    return options.strict ? 1 : 0;
  }
  return 0;
}

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  let suites: Suite[];
  try {
    options = parseArgs(process.argv.slice(2));
    if (!options) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    suites = selectSuites(options.suites);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  undoOnSignals();
  return runSuites(options, suites);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench FAILED: ${describeError(error, true)}\n`);
    process.exit(1);
  },
);
