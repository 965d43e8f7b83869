// pnpm bench [suite...]: runs the suites, prints one table of every figure on stdout and writes the same as
// JSON to bench/results/<suite>-<timestamp>.json. Progress goes to stderr.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { inspect } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { type BenchOptions, parseArgs, USAGE, UsageError } from './cli';
import { gatewaySuite } from './gateway';
import { iamSuite } from './iam';
import { metricsSuite } from './metrics';
import { PostgresServer } from './postgres';
import { proxySuite } from './proxy';
import { streamingSuite } from './streaming';
import { evaluate, type FigureResult, machineInfo, progress, renderTable } from './report';
import { Cleanup, type Suite, undoOnSignals } from './suite';

/** Every suite, in the order `pnpm bench` runs them; a new suite is one more entry. */
const SUITES: readonly Suite[] = [metricsSuite, iamSuite, gatewaySuite, proxySuite, streamingSuite];

const RESULTS_DIR = resolve(__dirname, '..', 'results');

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

/** 2026-11-24T00:05:27.123Z → 20261124T000527Z (ISO 8601 basic format: no colons in the file name). */
function fileStamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

async function runSuites(options: BenchOptions, suites: Suite[]): Promise<number> {
  const startedAt = new Date();
  const machine = machineInfo();
  const results: FigureResult[] = [];
  const details: Record<string, Record<string, unknown>> = {};
  const global = new Cleanup();
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
      const cleanup = new Cleanup();
      const suiteDetails: Record<string, unknown> = {};
      details[suite.name] = suiteDetails;
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
      } finally {
        progress(`suite ${suite.name}: cleaning up`);
        await cleanup.run();
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    await global.run();
  }

  const finishedAt = new Date();
  if (results.length > 0) process.stdout.write(`\n${renderTable(results)}\n\n`);
  const missed = results.filter((r) => r.met === false);
  const summary = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
    suites: suites.map((s) => s.name),
    options,
    machine,
    figures: results,
    details,
    ...(failure !== undefined ? { error: describeError(failure) } : {}),
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const name = suites.length === 1 ? suites[0]!.name : 'bench';
  const file = join(RESULTS_DIR, `${name}-${fileStamp(startedAt)}.json`);
  // Formatted like every other file of the repository, so `prettier --check .` stays green after a run.
  const json = JSON.stringify(summary, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value,
  );
  await writeFile(file, await format(json, { ...(await resolveConfig(file)), filepath: file }));
  process.stdout.write(
    `${machine.cpus} CPUs, Node ${machine.node}, PostgreSQL ${machine.postgres ?? 'unknown'} (${machine.postgresSource ?? '?'}); ${summary.seconds} s in all\n`,
  );
  process.stdout.write(`results: ${relative(process.cwd(), file) || file}\n`);

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
