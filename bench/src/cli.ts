// Command-line options shared by every suite: `tsx src/main.ts [suite...] [--quick] [--events N] ...`.

export interface BenchOptions {
  /** Suites to run, in order; empty = every suite. */
  suites: string[];
  quick: boolean;
  /** Events sent end to end through the telemetry client (and COPYed for the baseline). */
  events: number;
  /** Rows in "MetricSample" when the report queries are timed. */
  samples: number;
  /** "UsageSession" rows when the usage reports are timed. */
  usageSessions: number;
  /** Timed runs of each query, after one warm-up run. */
  runs: number;
  /** Telemetry clients reporting at once (each sends one batch at a time), like several services. */
  reporters: number;
  /** The telemetry client's maxMemoryEvents; undefined = room for every event (no spooling to disk). */
  clientMemoryEvents?: number;
  /** iam, gateway: concurrent HTTP clients (and in-process loops, and argon2 hashes at once). */
  clients: number;
  /** iam, gateway: measured seconds of each throughput figure, after a warm-up. */
  seconds: number;
  /** scenarios: seconds of the steady-state soak (G). */
  soakSeconds: number;
  /** scenarios: requests/s of the open-loop scenarios C and D; undefined = half the measured capacity. */
  rate?: number;
  /** Exit 1 when a figure misses its target (otherwise the table says so and the exit code is 0). */
  strict: boolean;
}

const FULL = {
  events: 200_000,
  samples: 10_000_000,
  usageSessions: 100_000,
  runs: 5,
  reporters: 4,
  clients: 8,
  seconds: 5,
  soakSeconds: 60,
};
const QUICK = {
  events: 50_000,
  samples: 1_000_000,
  usageSessions: 100_000,
  runs: 3,
  reporters: 4,
  clients: 8,
  seconds: 2,
  soakSeconds: 15,
};

export const USAGE = `usage: pnpm bench [suite...] [options]
       (suites: metrics, iam, gateway, proxy, streaming, scenarios; none = all)
       pnpm bench:compare [a.json [b.json]]   the change of every figure between two results files

  --quick            a fast check: ${QUICK.events.toLocaleString('en-US')} events, ${QUICK.samples.toLocaleString('en-US')} samples, ${QUICK.runs} runs per query;
                     iam, gateway, proxy, streaming, scenarios: ${QUICK.seconds} s per figure instead of ${FULL.seconds};
                     scenarios: a ${QUICK.soakSeconds} s soak instead of ${FULL.soakSeconds} s
  --events N         events ingested end to end and COPYed as the baseline (default ${FULL.events.toLocaleString('en-US')})
  --samples N        samples in the table when report queries are timed (default ${FULL.samples.toLocaleString('en-US')})
  --usage-sessions N usage sessions for the usage reports (default ${FULL.usageSessions.toLocaleString('en-US')})
  --runs N           timed runs per query after one warm-up (default ${FULL.runs})
  --reporters N      telemetry clients reporting at once, like that many services (default ${FULL.reporters})
  --client-memory N  the telemetry client's maxMemoryEvents (default: room for every event, so nothing is
                     spooled; 10000, the configuration default, makes a burst go through the disk spool)
  --clients N        iam, gateway: concurrent HTTP clients, in-process loops and argon2 hashes (default ${FULL.clients})
  --seconds N        iam, gateway, proxy, streaming, scenarios: measured seconds per figure, after a warm-up
                     (default ${FULL.seconds})
  --soak N           scenarios: seconds of the steady-state soak, G (default ${FULL.soakSeconds})
  --rate N           scenarios: requests/s of the open-loop scenarios C and D (default: half the capacity
                     the gateway showed with scenario C's 200 clients in the same run)
  --strict           exit 1 when a figure misses its target
  -h, --help         this text

Numbers may be written 200000, 200_000, 200k or 10M.`;

export class UsageError extends Error {}

/** 200000, 200_000, 200,000, 200k, 10M, 1e6. */
export function parseCount(flag: string, raw: string | undefined): number {
  if (raw === undefined || raw.startsWith('--')) throw new UsageError(`${flag} needs a number`);
  const match = /^([0-9][0-9_,]*(?:\.[0-9]+)?(?:e[0-9]+)?)([kKmM]?)$/.exec(raw.trim());
  const base = match ? Number(match[1]!.replace(/[_,]/g, '')) : Number.NaN;
  const factor = match?.[2] ? (match[2].toLowerCase() === 'k' ? 1_000 : 1_000_000) : 1;
  const value = base * factor;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Parses argv (without node and the script); returns undefined for --help. */
export function parseArgs(argv: readonly string[]): BenchOptions | undefined {
  const suites: string[] = [];
  const given: Partial<
    Record<
      | 'events'
      | 'samples'
      | 'usageSessions'
      | 'runs'
      | 'reporters'
      | 'clientMemoryEvents'
      | 'clients'
      | 'seconds'
      | 'soakSeconds'
      | 'rate',
      number
    >
  > = {};
  let quick = false;
  let strict = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--':
        // pnpm passes the separator through: `pnpm bench:metrics -- --quick`.
        break;
      case '-h':
      case '--help':
        return undefined;
      case '--quick':
        quick = true;
        break;
      case '--strict':
        strict = true;
        break;
      case '--events':
        given.events = parseCount(flag, value());
        break;
      case '--samples':
        given.samples = parseCount(flag, value());
        break;
      case '--usage-sessions':
        given.usageSessions = parseCount(flag, value());
        break;
      case '--runs':
        given.runs = parseCount(flag, value());
        break;
      case '--reporters':
        given.reporters = parseCount(flag, value());
        break;
      case '--client-memory':
        given.clientMemoryEvents = parseCount(flag, value());
        break;
      case '--clients':
        given.clients = parseCount(flag, value());
        break;
      case '--seconds':
        given.seconds = parseCount(flag, value());
        break;
      case '--soak':
        given.soakSeconds = parseCount(flag, value());
        break;
      case '--rate':
        given.rate = parseCount(flag, value());
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        suites.push(arg);
    }
  }
  const defaults = quick ? QUICK : FULL;
  return { suites, quick, strict, ...defaults, ...given };
}
