// Session selections under load, with the number of live sessions kept bounded: bursts of selects (N clients,
// closed loop, each select a new session id) each followed by a release phase that ends every session the
// burst made (N clients again), so selects and releases are timed apart and neither waits on the other.
import { randomBytes } from 'node:crypto';
import { type CallOutcome, type CpuUse, describeCpu, measureCpu, outcomeOf } from '../iam/load';
import { percentile } from '../report';
import { count, formatNumber, progress } from '../report';
import { type ServiceProcess } from '../service';

export interface OpStats {
  /** Calls answered as expected in the measured bursts, and the wall time of their phases. */
  calls: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface BurstResult {
  label: string;
  clients: number;
  /** Measured bursts (after the warm-up's). */
  bursts: number;
  /** The most sessions any burst left live before its release phase (the bound on the store's size). */
  maxLive: number;
  select: OpStats;
  release: OpStats;
  /** Calls answered otherwise, by what came back, warm-up included. */
  failed: number;
  problems: Record<string, number>;
  cpu: CpuUse;
}

export interface BurstOptions {
  label: string;
  clients: number;
  warmupSeconds: number;
  /** Measured select time; release phases come on top. */
  seconds: number;
  /** Select time of one burst: at most this many seconds of selects are live at once. */
  burstSeconds: number;
  service: ServiceProcess;
  /** Selects session `sessionId` as client c's user; must answer a fresh reservation. */
  select: (client: number, sessionId: string) => Promise<CallOutcome>;
  /** Releases a session client c selected, as that client's user. */
  release: (client: number, sessionId: string) => Promise<CallOutcome>;
}

function stats(calls: number, seconds: number, latencies: number[]): OpStats {
  return {
    calls,
    seconds,
    perSecond: seconds > 0 ? calls / seconds : 0,
    p50Ms: latencies.length ? percentile(latencies, 50) : Number.NaN,
    p99Ms: latencies.length ? percentile(latencies, 99) : Number.NaN,
    maxMs: latencies.length ? latencies.reduce((a, b) => (b > a ? b : a)) : Number.NaN,
  };
}

/** A new session id for every select: `b<run>-<client>-<n>`, 8-128 characters of A-Z a-z 0-9 _ -. */
export function sessionIds(clients: number): (client: number) => string {
  const run = randomBytes(4).toString('hex');
  const next = Array.from({ length: clients }, () => 0);
  return (client) => `b${run}-${client}-${next[client]!++}`;
}

async function attempt(
  call: () => Promise<CallOutcome>,
  problems: Map<string, number>,
): Promise<{ ok: boolean; ms: number }> {
  const t0 = performance.now();
  const outcome = await outcomeOf(call);
  const ms = performance.now() - t0;
  if (!outcome.ok) problems.set(outcome.problem, (problems.get(outcome.problem) ?? 0) + 1);
  return { ok: outcome.ok, ms };
}

export async function selectReleaseBursts(options: BurstOptions): Promise<BurstResult> {
  const { clients } = options;
  const newId = sessionIds(clients);
  const problems = new Map<string, number>();
  const totals = {
    bursts: 0,
    maxLive: 0,
    select: { calls: 0, ms: 0, latencies: [] as number[] },
    release: { calls: 0, ms: 0, latencies: [] as number[] },
  };

  const burst = async (seconds: number, measured: boolean): Promise<void> => {
    const live: { client: number; sessionId: string }[] = [];
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        while (performance.now() < deadline) {
          const sessionId = newId(client);
          const { ok, ms } = await attempt(() => options.select(client, sessionId), problems);
          if (!ok) continue;
          live.push({ client, sessionId });
          if (measured) totals.select.latencies.push(ms);
        }
      }),
    );
    const t1 = performance.now();
    let next = 0;
    let released = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < live.length) {
          const { client, sessionId } = live[next++]!;
          const { ok, ms } = await attempt(() => options.release(client, sessionId), problems);
          if (!ok) continue;
          released += 1;
          if (measured) totals.release.latencies.push(ms);
        }
      }),
    );
    const t2 = performance.now();
    if (!measured) return;
    totals.bursts += 1;
    totals.maxLive = Math.max(totals.maxLive, live.length);
    totals.select.calls += live.length;
    totals.select.ms += t1 - t0;
    totals.release.calls += released;
    totals.release.ms += t2 - t1;
  };

  progress(
    `${options.label}: ${clients} clients, bursts of ${options.burstSeconds} s of selects each followed by the release of every session it made; ${options.warmupSeconds} s warm-up + ${options.seconds} s of selects measured`,
  );
  for (let left = options.warmupSeconds; left > 0; left -= options.burstSeconds) {
    await burst(Math.min(left, options.burstSeconds), false);
  }
  options.service.assertRunning();
  const { cpu } = await measureCpu(options.service, async () => {
    for (let left = options.seconds; left > 0; left -= options.burstSeconds) {
      await burst(Math.min(left, options.burstSeconds), true);
    }
  });
  options.service.assertRunning();
  const failed = [...problems.values()].reduce((a, b) => a + b, 0);
  const result: BurstResult = {
    label: options.label,
    clients,
    bursts: totals.bursts,
    maxLive: totals.maxLive,
    select: stats(totals.select.calls, totals.select.ms / 1000, totals.select.latencies),
    release: stats(totals.release.calls, totals.release.ms / 1000, totals.release.latencies),
    failed,
    problems: Object.fromEntries(problems),
    cpu,
  };
  for (const [what, op] of [
    ['selects', result.select],
    ['releases', result.release],
  ] as const) {
    progress(
      `  ${what}: ${count(op.calls)} in ${op.seconds.toFixed(2)} s = ${formatNumber(op.perSecond)}/s; latency p50 ${formatNumber(op.p50Ms)} ms, p99 ${formatNumber(op.p99Ms)} ms, max ${formatNumber(op.maxMs)} ms`,
    );
  }
  progress(`  ${result.bursts} bursts, at most ${count(result.maxLive)} sessions live at once`);
  progress(`  ${describeCpu(cpu, options.service.name)} (selects and releases)`);
  if (failed > 0) {
    progress(`  ${count(failed)} calls did NOT get the expected answer (not counted):`);
    for (const [problem, times] of problems) progress(`    ${count(times)} × ${problem}`);
  }
  return result;
}

export interface ReserveResult {
  sessions: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Latency of the first and the last thousand selects: how a growing store changes a select's cost. */
  firstThousandP50Ms: number;
  lastThousandP50Ms: number;
  failed: number;
  problems: Record<string, number>;
}

/** Selects `total` new sessions with `clients` clients and keeps them all; throws unless every one succeeds. */
export async function reserveMany(
  total: number,
  clients: number,
  select: (client: number, sessionId: string) => Promise<CallOutcome>,
): Promise<ReserveResult & { sessionIds: { client: number; sessionId: string }[] }> {
  const newId = sessionIds(clients);
  const problems = new Map<string, number>();
  const reserved: { client: number; sessionId: string }[] = [];
  const latencies: number[] = [];
  let started = 0;
  let failed = 0;
  let lastReport = performance.now();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (started < total && failed < 100) {
        started += 1;
        const sessionId = newId(client);
        const { ok, ms } = await attempt(() => select(client, sessionId), problems);
        if (!ok) {
          failed += 1;
          started -= 1;
          continue;
        }
        reserved.push({ client, sessionId });
        latencies.push(ms);
        if (performance.now() - lastReport > 5_000) {
          lastReport = performance.now();
          progress(`  ${count(reserved.length)} of ${count(total)} sessions reserved`);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (reserved.length < total) {
    const what = [...problems.entries()].map(([problem, times]) => `${times} × ${problem}`).join('; ');
    throw new Error(`only ${count(reserved.length)} of ${count(total)} sessions could be reserved: ${what}`);
  }
  return {
    sessions: reserved.length,
    seconds,
    perSecond: reserved.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.reduce((a, b) => (b > a ? b : a)),
    firstThousandP50Ms: percentile(latencies.slice(0, 1_000), 50),
    lastThousandP50Ms: percentile(latencies.slice(-1_000), 50),
    failed,
    problems: Object.fromEntries(problems),
    sessionIds: reserved,
  };
}

export interface ReleaseResult {
  sessions: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  problems: Record<string, number>;
}

/** Releases every session, `clients` at once, each as the client's user that selected it. */
export async function releaseAll(
  sessions: readonly { client: number; sessionId: string }[],
  clients: number,
  release: (client: number, sessionId: string) => Promise<CallOutcome>,
): Promise<ReleaseResult> {
  const problems = new Map<string, number>();
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < sessions.length) {
        const { client, sessionId } = sessions[next++]!;
        const { ok, ms } = await attempt(() => release(client, sessionId), problems);
        if (ok) latencies.push(ms);
        else failed += 1;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    sessions: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: latencies.length ? percentile(latencies, 50) : Number.NaN,
    p99Ms: latencies.length ? percentile(latencies, 99) : Number.NaN,
    failed,
    problems: Object.fromEntries(problems),
  };
}
