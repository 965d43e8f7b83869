// Closed-loop load: N clients, each sending its next request as soon as the last one is answered, over one
// keep-alive agent (a socket per client), for a fixed time after a warm-up; and the CPU each party used.
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from '../report';
import { count, formatNumber, progress } from '../report';
import { machineCpuSeconds } from '../service';

export interface HttpAnswer {
  status: number;
  body: string;
  /** The answer's headers, names lower-cased. */
  headers: IncomingHttpHeaders;
}

/** One HTTP/1.1 client of `base` (http://127.0.0.1:port): a keep-alive agent with `sockets` sockets. */
export class HttpClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(base: string, sockets: number) {
    const url = new URL(base);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  send(
    method: string,
    path: string,
    options: { bearer?: string; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer> {
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    const headers: Record<string, string> = { ...options.headers };
    if (options.bearer !== undefined) headers['authorization'] = `Bearer ${options.bearer}`;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((done, fail) => {
      const req = request(
        { agent: this.agent, host: this.host, port: this.port, method, path, headers },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => done({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
          res.on('error', fail);
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer within 60 s`)));
      req.on('error', fail);
      req.end(body);
    });
  }

  /** Sockets the agent holds now, busy or free (each keep-alive client holds one). */
  sockets(): number {
    const countOf = (pool: NodeJS.ReadOnlyDict<unknown[]>): number =>
      Object.values(pool).reduce((sum, list) => sum + (list?.length ?? 0), 0);
    return countOf(this.agent.sockets) + countOf(this.agent.freeSockets);
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * A process whose CPU use a timed step measures alongside: a `ServiceProcess`, or anything else the bench runs
 * (nginx and its workers, an upstream stand-in).
 */
export interface MeasuredProcess {
  readonly name: string;
  /** CPU seconds (user + system) used so far; undefined where /proc is missing. */
  cpuSeconds(): Promise<number | undefined>;
  /** Throws when the process has exited. */
  assertRunning(): void;
}

/** CPU seconds used by each party over a timed step (Linux only; undefined elsewhere). */
export interface CpuUse {
  wallSeconds: number;
  benchProcess: number;
  service?: number;
  /** Other processes measured alongside (an upstream, a proxy's workers), by name. */
  others?: Record<string, number>;
  /** Everything busy on the machine: bench, service, PostgreSQL and whatever else shares it. */
  machine?: number;
}

export async function measureCpu<T>(
  service: MeasuredProcess | undefined,
  work: () => Promise<T>,
  others: readonly MeasuredProcess[] = [],
): Promise<{ result: T; cpu: CpuUse }> {
  const others0 = await Promise.all(others.map((other) => other.cpuSeconds()));
  const service0 = await service?.cpuSeconds();
  const machine0 = (await machineCpuSeconds())?.busy;
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const wallSeconds = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(self0);
  const service1 = await service?.cpuSeconds();
  const others1 = await Promise.all(others.map((other) => other.cpuSeconds()));
  const machine1 = (await machineCpuSeconds())?.busy;
  const round = (v: number): number => Math.round(v * 100) / 100;
  const otherUse: Record<string, number> = {};
  others.forEach((other, i) => {
    const [before, after] = [others0[i], others1[i]];
    if (before !== undefined && after !== undefined) otherUse[other.name] = round(after - before);
  });
  return {
    result,
    cpu: {
      wallSeconds: round(wallSeconds),
      benchProcess: round((self.user + self.system) / 1e6),
      ...(service0 !== undefined && service1 !== undefined ? { service: round(service1 - service0) } : {}),
      ...(others.length > 0 ? { others: otherUse } : {}),
      ...(machine0 !== undefined && machine1 !== undefined ? { machine: round(machine1 - machine0) } : {}),
    },
  };
}

export function describeCpu(cpu: CpuUse, serviceName = 'IAM'): string {
  const parts = [`bench process ${cpu.benchProcess.toFixed(1)} s`];
  if (cpu.service !== undefined) parts.push(`${serviceName} ${cpu.service.toFixed(1)} s`);
  for (const [name, seconds] of Object.entries(cpu.others ?? {}))
    parts.push(`${name} ${seconds.toFixed(1)} s`);
  if (cpu.machine !== undefined) parts.push(`whole machine ${cpu.machine.toFixed(1)} s`);
  return `CPU over ${cpu.wallSeconds.toFixed(1)} s wall: ${parts.join(', ')}`;
}

/** What one call reports: whether the answer was the expected one, and if not, what came back. */
export type CallOutcome = { ok: true } | { ok: false; problem: string };

export function ok(): CallOutcome {
  return { ok: true };
}

/** Client c's k-th item of `total`: c, c + clients, c + 2 × clients, ... so no two clients ever share one. */
export function itemOf(client: number, k: number, clients: number, total: number): number {
  const own = Math.ceil((total - client) / clients);
  return client + (k % own) * clients;
}

export interface LoadOptions {
  /** In progress lines. */
  label: string;
  clients: number;
  warmupSeconds: number;
  seconds: number;
  /** The service whose CPU use is measured alongside (none for work in the bench process). */
  service?: MeasuredProcess;
  /** Other processes whose CPU use is measured alongside (in `cpu.others`, by name). */
  alsoMeasure?: readonly MeasuredProcess[];
  /**
   * Clients start one after the other over this many seconds of the first phase (the warm-up, or the measured
   * window when there is none) instead of all at once: a ramp to `clients`.
   */
  rampSeconds?: number;
  /** The k-th call of client c (k counts from 0 for each client, warm-up included). */
  call: (client: number, k: number) => Promise<CallOutcome>;
}

export interface LoadResult {
  label: string;
  clients: number;
  /** Calls answered as expected in the measured window, and how long that window took to drain. */
  calls: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Calls answered otherwise, by what came back (status and the start of the body), warm-up included. */
  failed: number;
  problems: Record<string, number>;
  cpu: CpuUse;
}

async function phase(
  options: LoadOptions,
  seconds: number,
  next: number[],
  latencies: number[] | undefined,
  problems: Map<string, number>,
  rampSeconds = 0,
): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let ok = 0;
  const client = async (c: number): Promise<void> => {
    if (rampSeconds > 0) await sleep((rampSeconds * 1000 * c) / options.clients);
    while (performance.now() < deadline) {
      const k = next[c]!;
      next[c] = k + 1;
      const t0 = performance.now();
      const outcome = await outcomeOf(() => options.call(c, k));
      if (outcome.ok) {
        ok += 1;
        latencies?.push(performance.now() - t0);
      } else {
        problems.set(outcome.problem, (problems.get(outcome.problem) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, c) => client(c)));
  return ok;
}

/** Warm-up, then the measured window: calls per second counts only expected answers. */
export async function closedLoop(options: LoadOptions): Promise<LoadResult> {
  const next = Array.from({ length: options.clients }, () => 0);
  const problems = new Map<string, number>();
  const ramp = options.rampSeconds ?? 0;
  progress(
    `${options.label}: ${options.clients} clients${ramp > 0 ? ` (starting over ${ramp} s)` : ''}, ${options.warmupSeconds} s warm-up + ${options.seconds} s measured`,
  );
  if (options.warmupSeconds > 0) await phase(options, options.warmupSeconds, next, undefined, problems, ramp);
  options.service?.assertRunning();
  const latencies: number[] = [];
  const { result, cpu } = await measureCpu(
    options.service,
    async () => {
      const t0 = performance.now();
      const calls = await phase(
        options,
        options.seconds,
        next,
        latencies,
        problems,
        options.warmupSeconds > 0 ? 0 : ramp,
      );
      return { calls, seconds: (performance.now() - t0) / 1000 };
    },
    options.alsoMeasure,
  );
  options.service?.assertRunning();
  const failed = [...problems.values()].reduce((a, b) => a + b, 0);
  const out: LoadResult = {
    label: options.label,
    clients: options.clients,
    calls: result.calls,
    seconds: result.seconds,
    perSecond: result.calls / result.seconds,
    p50Ms: latencies.length ? percentile(latencies, 50) : Number.NaN,
    p95Ms: latencies.length ? percentile(latencies, 95) : Number.NaN,
    p99Ms: latencies.length ? percentile(latencies, 99) : Number.NaN,
    maxMs: latencies.length ? latencies.reduce((a, b) => (b > a ? b : a)) : Number.NaN,
    failed,
    problems: Object.fromEntries(problems),
    cpu,
  };
  progress(
    `  ${count(out.calls)} in ${out.seconds.toFixed(2)} s = ${formatNumber(out.perSecond)}/s; latency p50 ${formatNumber(out.p50Ms)} ms, p99 ${formatNumber(out.p99Ms)} ms, max ${formatNumber(out.maxMs)} ms`,
  );
  progress(`  ${describeCpu(cpu, options.service?.name)}`);
  if (failed > 0) {
    progress(`  ${count(failed)} calls did NOT get the expected answer (not counted):`);
    for (const [problem, times] of problems) progress(`    ${count(times)} × ${problem}`);
  }
  return out;
}

/** What a call came to: its outcome, or the error it threw as a problem. */
export async function outcomeOf(call: () => Promise<CallOutcome>): Promise<CallOutcome> {
  try {
    return await call();
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}

/** "HTTP 500: {...}" (the body cut short), the key failures are counted under. */
export function unexpected(answer: HttpAnswer): CallOutcome {
  return { ok: false, problem: `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` };
}
