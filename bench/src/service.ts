// Any WebStream service (the metrics engine, IAM, ...) as a child process: its built main, configured only
// through the environment, on a free loopback port, its output kept and echoed to stderr.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { answersReady, freePort, LaunchedProcess } from '@webstream/testing';
import { progress } from './report';

export const WORKSPACE_ROOT = resolve(__dirname, '..', '..');
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const KEPT_OUTPUT_LINES = 200;

/** 40 characters, never all digits (env overrides of string keys are verbatim, but stay safe). */
export function randomToken(): string {
  return `bench-${randomBytes(17).toString('hex')}`;
}

export interface ServiceSpec {
  /** In messages and as the prefix of its output lines: "metrics engine", "IAM". */
  name: string;
  /** Its built entry point, relative to the workspace root, e.g. apps/iam/dist/main.js. */
  main: string;
  /** Options for node itself, as production runs it (a streamer's STREAMER_NODE_ARGS). */
  nodeArgs?: readonly string[];
  /** The variable that sets its listening port, e.g. WEBSTREAM__ACCESSMANAGEMENT__PORT (filled in here). */
  portKey: string;
  /**
   * Its configuration (WEBSTREAM__* overrides and the like). None of the caller's own WEBSTREAM* variables
   * leak in; WEBSTREAM__LOGGING__LEVEL defaults to warn.
   */
  env: Record<string, string>;
  /** What it reads from descriptor 3, which depends on the port it gets (a streamer's launch names it). */
  launchForPort?: (port: number) => string;
  /** Working directory: no webstream.config.yaml there, so only the environment configures it. */
  cwd: string;
}

export class ServiceProcess {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  private readonly run: LaunchedProcess;
  private stopping = false;
  private readonly lines: string[] = [];
  private printedLines = 0;
  /** metrics.bearerToken of this service, which scrape() presents. */
  private readonly metricsToken = randomToken();

  private constructor(spec: ServiceSpec, port: number) {
    this.name = spec.name;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.toUpperCase().startsWith('WEBSTREAM')) env[key] = value;
    }
    Object.assign(
      env,
      { WEBSTREAM__LOGGING__LEVEL: 'warn', WEBSTREAM__METRICS__BEARERTOKEN: this.metricsToken },
      spec.env,
      { [spec.portKey]: String(port) },
    );
    const prefix = `  ${spec.name} | `;
    this.run = LaunchedProcess.start({
      name: `the ${spec.name}`,
      command: process.execPath,
      args: [...(spec.nodeArgs ?? []), resolve(WORKSPACE_ROOT, spec.main)],
      cwd: spec.cwd,
      env,
      descriptor3: spec.launchForPort?.(port) ?? '',
      onOutput: (chunk) => {
        for (const line of chunk.split('\n')) {
          if (!line.trim()) continue;
          this.printedLines += 1;
          this.lines.push(line);
          if (this.lines.length > KEPT_OUTPUT_LINES) this.lines.shift();
          process.stderr.write(`${prefix}${line}\n`);
        }
      },
    });
  }

  /** Starts the service on a free port and waits for GET /health/ready to answer 200 (it migrates first). */
  static async start(spec: ServiceSpec): Promise<ServiceProcess> {
    const main = resolve(WORKSPACE_ROOT, spec.main);
    if (!existsSync(main)) {
      throw new Error(`${main} is missing: run \`pnpm build\` from the workspace root first`);
    }
    const service = new ServiceProcess(spec, await freePort());
    const startedAt = performance.now();
    try {
      await service.waitReady();
    } catch (error) {
      await service.stop();
      throw error;
    }
    progress(
      `${spec.name} ready at ${service.url} (pid ${service.pid}) in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
    );
    return service;
  }

  get pid(): number {
    return this.run.child.pid ?? -1;
  }

  /** The service's recent output, for error messages. */
  output(): string {
    return this.lines.join('\n');
  }

  /** The last 200 lines it printed (at log level warn: its warnings and errors), and how many in all. */
  printed(): { lines: number; last: readonly string[] } {
    return { lines: this.printedLines, last: [...this.lines] };
  }

  /** Throws when the service has exited: every step checks this, so a crash is reported as one. */
  assertRunning(): void {
    if (!this.stopping) this.run.assertRunning();
  }

  private async waitReady(): Promise<void> {
    await this.run.ready(() => answersReady(this.url), READY_TIMEOUT_MS);
  }

  /** GET, with a bearer token when given; the body is read fully, so the time covers the whole answer. */
  async get(path: string, bearer?: string): Promise<{ status: number; body: string }> {
    this.assertRunning();
    const response = await fetch(`${this.url}${path}`, {
      headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
      signal: AbortSignal.timeout(300_000),
    });
    return { status: response.status, body: await response.text() };
  }

  /** Its Prometheus text from GET /metrics (service-kit's registry: HTTP histogram, the service's own series). */
  async scrape(): Promise<string> {
    this.assertRunning();
    const response = await fetch(`${this.url}/metrics`, {
      headers: { authorization: `Bearer ${this.metricsToken}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
    return response.text();
  }

  /** The sum of every sample of series `name` whose labels include all of `labels`. */
  async seriesSum(name: string, labels: Record<string, string> = {}): Promise<number> {
    return sumSeries(await this.scrape(), name, labels);
  }

  /**
   * Sum and count of the service's own http_server_request_duration_seconds histogram (service-kit's) for one
   * route: the time the service spent serving it, as opposed to the time the caller saw.
   */
  async serverTime(method: string, route: string): Promise<{ seconds: number; requests: number }> {
    const text = await this.scrape();
    const labels = { method, route };
    return {
      seconds: sumSeries(text, 'http_server_request_duration_seconds_sum', labels),
      requests: sumSeries(text, 'http_server_request_duration_seconds_count', labels),
    };
  }

  /** CPU seconds (user + system) the service has used so far, from /proc; undefined where there is none. */
  async cpuSeconds(): Promise<number | undefined> {
    return processCpuSeconds(this.pid);
  }

  /** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.run.stop(STOP_TIMEOUT_MS);
  }
}

/** Sums the samples `name{...} value` of Prometheus text whose labels include every one of `labels`. */
export function sumSeries(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? ([0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ?? '';
    if (wanted.every((label) => have.includes(label))) sum += Number(match[3]);
  }
  return sum;
}

/** utime + stime of a process, in seconds (Linux /proc; USER_HZ is 100 on every Linux platform Node runs on). */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU seconds of the whole machine so far (Linux /proc/stat). */
export async function machineCpuSeconds(): Promise<{ busy: number; total: number } | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return undefined;
  }
}
