// Open-loop load, k6's constant-arrival-rate executor: requests start at a fixed rate whatever the answers take,
// each on a free client (a keep-alive socket) of a pool; one due while every client is busy is dropped and
// counted, as k6 counts dropped iterations. Unlike a closed loop, the latency is the service's, not the queue
// a fixed number of clients builds in front of it, so two ways of serving the same request at the same rate
// can be subtracted.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CallOutcome,
  type CpuUse,
  describeCpu,
  measureCpu,
  type MeasuredProcess,
  outcomeOf,
} from '../iam/load';
import { percentile } from '../report';
import { count, formatNumber, progress } from '../report';

export interface LatencyStats {
  calls: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function latencyStats(latencies: readonly number[]): LatencyStats {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    calls: sorted.length,
    p50Ms: sorted.length ? percentile(sorted, 50) : Number.NaN,
    p95Ms: sorted.length ? percentile(sorted, 95) : Number.NaN,
    p99Ms: sorted.length ? percentile(sorted, 99) : Number.NaN,
    maxMs: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

export interface OpenLoopOptions {
  label: string;
  /** Requests started per second, evenly spaced. */
  rate: number;
  /** At most this many requests in flight, each on its own client (k6's VUs). */
  clients: number;
  warmupSeconds: number;
  seconds: number;
  /** The service whose CPU use is measured alongside, and others. */
  service?: MeasuredProcess;
  alsoMeasure?: readonly MeasuredProcess[];
  /** The kind of the k-th request: latencies are kept per kind (one kind when absent). */
  kindOf?: (k: number) => string;
  /** The k-th request (k counts from 0, warm-up included), on client `client` (0 to clients − 1). */
  call: (k: number, client: number) => Promise<CallOutcome>;
}

export interface OpenLoopResult {
  label: string;
  rate: number;
  clients: number;
  /** The measured window: requests started, answered as expected, and dropped for want of a free client. */
  seconds: number;
  started: number;
  answered: number;
  perSecond: number;
  dropped: number;
  /** Expected answers' latency, overall and by kind. */
  latency: LatencyStats;
  kinds: Record<string, LatencyStats>;
  /** Calls answered otherwise, by what came back, warm-up included. */
  failed: number;
  problems: Record<string, number>;
  cpu: CpuUse;
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { rate, clients } = options;
  const kindOf = options.kindOf ?? ((): string => 'all');
  const free = Array.from({ length: clients }, (_, c) => clients - 1 - c);
  const problems = new Map<string, number>();
  let next = 0;

  const phase = async (
    seconds: number,
    latencies: Map<string, number[]> | undefined,
  ): Promise<{ started: number; answered: number; dropped: number; seconds: number }> => {
    const totals = { started: 0, answered: 0, dropped: 0 };
    const inFlight = new Set<Promise<void>>();
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    let due = 0;
    const start = (client: number): void => {
      const k = next++;
      const kind = kindOf(k);
      const sent = performance.now();
      const done = (async (): Promise<void> => {
        const outcome = await outcomeOf(() => options.call(k, client));
        if (outcome.ok) {
          totals.answered += 1;
          if (latencies) {
            let list = latencies.get(kind);
            if (list === undefined) latencies.set(kind, (list = []));
            list.push(performance.now() - sent);
          }
        } else {
          problems.set(outcome.problem, (problems.get(outcome.problem) ?? 0) + 1);
        }
      })().finally(() => {
        free.push(client);
        inFlight.delete(done);
      });
      inFlight.add(done);
    };
    for (;;) {
      const now = performance.now();
      if (now >= end) break;
      const target = Math.floor(((now - t0) / 1000) * rate);
      for (; due < target; due += 1) {
        const client = free.pop();
        if (client === undefined) totals.dropped += 1;
        else {
          totals.started += 1;
          start(client);
        }
      }
      // The next request is due at t0 + (due + 1) / rate; timers wake no sooner than a millisecond.
      await sleep(Math.max(1, t0 + ((due + 1) / rate) * 1000 - performance.now()));
    }
    await Promise.all(inFlight);
    return { ...totals, seconds: (performance.now() - t0) / 1000 };
  };

  progress(
    `${options.label}: ${formatNumber(rate)} requests/s started on up to ${count(clients)} clients, ${options.warmupSeconds} s warm-up + ${options.seconds} s measured`,
  );
  if (options.warmupSeconds > 0) await phase(options.warmupSeconds, undefined);
  options.service?.assertRunning();
  const byKind = new Map<string, number[]>();
  const { result, cpu } = await measureCpu(
    options.service,
    () => phase(options.seconds, byKind),
    options.alsoMeasure,
  );
  options.service?.assertRunning();
  const failed = [...problems.values()].reduce((a, b) => a + b, 0);
  const out: OpenLoopResult = {
    label: options.label,
    rate,
    clients,
    seconds: result.seconds,
    started: result.started,
    answered: result.answered,
    perSecond: result.answered / result.seconds,
    dropped: result.dropped,
    latency: latencyStats([...byKind.values()].flat()),
    kinds: Object.fromEntries([...byKind].map(([kind, list]) => [kind, latencyStats(list)])),
    failed,
    problems: Object.fromEntries(problems),
    cpu,
  };
  progress(
    `  ${count(out.answered)} answered in ${out.seconds.toFixed(2)} s = ${formatNumber(out.perSecond)}/s (${count(out.dropped)} dropped: no free client); latency p50 ${formatNumber(out.latency.p50Ms)} ms, p95 ${formatNumber(out.latency.p95Ms)} ms, p99 ${formatNumber(out.latency.p99Ms)} ms, max ${formatNumber(out.latency.maxMs)} ms`,
  );
  if (byKind.size > 1)
    for (const [kind, stats] of Object.entries(out.kinds))
      progress(
        `    ${kind}: ${count(stats.calls)}; p50 ${formatNumber(stats.p50Ms)} ms, p95 ${formatNumber(stats.p95Ms)} ms, p99 ${formatNumber(stats.p99Ms)} ms`,
      );
  progress(`  ${describeCpu(cpu, options.service?.name)}`);
  if (failed > 0) {
    progress(`  ${count(failed)} calls did NOT get the expected answer (not counted):`);
    for (const [problem, times] of problems) progress(`    ${count(times)} × ${problem}`);
  }
  return out;
}
