import { AsyncResource } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  type AdminHealthResponse,
  type DownstreamKind,
  type DownstreamService,
  type DownstreamStatus,
  serviceProbeRoutes,
} from '@webstream/contracts';
import {
  createHttpClient,
  EndpointClient,
  HealthRegistry,
  InjectConfig,
  InjectMetrics,
  type ReadinessCheck,
} from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { Gauge, type Registry } from 'prom-client';
import { BackendDirectory, type BackendView } from '../backends/backend-directory';
import { HealthMonitor } from '../backends/health-monitor';

/** The readiness checks other modules register for what the gateway keeps its state in (service-kit). */
const IAM_DATABASE_CHECK = 'iam-database';
const REDIS_CHECK = 'redis';
/** Without these the gateway cannot serve at all: one down makes the whole view down. */
const ESSENTIAL: ReadonlySet<DownstreamKind> = new Set(['iam', 'postgresql', 'redis']);

/** A URL as an operator may see it: no user, password or query (which may carry them too). */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable)';
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A session host's row from the health monitor's view, which its own timer keeps current. */
function hostRow(view: BackendView, monitor: HealthMonitor): DownstreamService {
  const probe = monitor.lastProbe(view.serverUrl);
  const status: DownstreamStatus =
    view.health === 'unreachable'
      ? 'down'
      : view.health === 'healthy' && view.status === 'healthy'
        ? 'up'
        : 'degraded';
  const detail =
    view.health === 'healthy'
      ? view.status === 'healthy'
        ? null
        : `reports itself ${view.status}`
      : `${view.health}${probe?.reason ? `: ${probe.reason}` : ''}`;
  return {
    name: view.serverUrl,
    kind: 'session-host',
    url: view.serverUrl,
    status,
    latencyMs: probe ? Math.round(probe.latencyMs * 10) / 10 : null,
    detail,
    checkedAt: probe ? new Date(probe.at).toISOString() : null,
  };
}

/**
 * Health aggregation: every gateway.healthCheck.interval seconds it asks what the gateway depends on — IAM (its
 * readiness when standalone, its database when built in), the metrics engine's readiness, Redis and PostgreSQL
 * through the readiness checks their modules registered, and each session host through the health monitor's
 * latest probe — and keeps the answer for GET /gateway/admin/health and gateway_downstream_up. Nothing is
 * probed per request.
 */
@Injectable()
export class DownstreamHealth implements OnApplicationBootstrap, OnApplicationShutdown {
  private latest: AdminHealthResponse = { status: 'degraded', checkedAt: null, services: [] };
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly peers: EndpointClient;
  private readonly up: Gauge<'service' | 'kind'>;
  // Checks run on the timer, not inside whichever request happened to start the gateway's first one.
  private readonly outsideRequests = AsyncResource.bind((work: () => void): void => work());

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    @InjectMetrics() registry: Registry,
    private readonly readiness: HealthRegistry,
    private readonly backends: BackendDirectory,
    private readonly monitor: HealthMonitor,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(DownstreamHealth.name);
    this.intervalMs = config.gateway.healthCheck.interval * 1000;
    this.timeoutMs = config.gateway.healthCheck.timeout * 1000;
    this.peers = new EndpointClient(createHttpClient({ timeout: this.timeoutMs, maxRedirects: 0 }));
    this.up = new Gauge({
      name: 'gateway_downstream_up',
      help: 'Whether a service the gateway depends on answered its last probe (1: up or degraded, 0: down)',
      labelNames: ['service', 'kind'] as const,
      registers: [registry],
    });
  }

  /** The latest aggregate (what was known at the last check; degraded with no services before the first). */
  view(): AdminHealthResponse {
    return this.latest;
  }

  onApplicationBootstrap(): void {
    this.outsideRequests(() => this.schedule(0));
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Runs every check now and keeps the result (the timer calls it; tests may too). */
  async check(): Promise<AdminHealthResponse> {
    const services = await Promise.all([...this.fixedChecks(), this.hosts()]);
    const flat = services.flat();
    const status: DownstreamStatus = flat.some((row) => row.status === 'down' && ESSENTIAL.has(row.kind))
      ? 'down'
      : flat.every((row) => row.status === 'up')
        ? 'up'
        : 'degraded';
    this.latest = { status, checkedAt: new Date().toISOString(), services: flat };
    this.up.reset();
    for (const row of flat) this.up.set({ service: row.name, kind: row.kind }, row.status === 'down' ? 0 : 1);
    return this.latest;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.check()
        .catch((error: unknown) => this.logger.error({ err: error }, 'the downstream health check crashed'))
        .finally(() => this.schedule(this.intervalMs));
    }, delayMs);
    this.timer.unref();
  }

  private fixedChecks(): Promise<DownstreamService>[] {
    const { accessManagement, metricsEngine, redis } = this.config;
    const checks: Promise<DownstreamService>[] = [];
    if (accessManagement.mode === 'builtin') {
      const database = withoutCredentials(accessManagement.databaseUrl ?? '');
      checks.push(
        this.registered('IAM', 'iam', 'in-process', IAM_DATABASE_CHECK),
        this.registered('PostgreSQL (IAM)', 'postgresql', database, IAM_DATABASE_CHECK),
      );
    } else {
      checks.push(this.ready('IAM', 'iam', accessManagement.url ?? ''));
    }
    checks.push(this.ready('metrics engine', 'metrics-engine', metricsEngine.url));
    if (redis.url !== undefined)
      checks.push(this.registered('Redis', 'redis', withoutCredentials(redis.url), REDIS_CHECK));
    return checks;
  }

  /** A service's GET /health/ready: 200 up, another answer degraded (it answers, but is not ready), none down. */
  private async ready(name: string, kind: DownstreamKind, url: string): Promise<DownstreamService> {
    return this.timed(name, kind, withoutCredentials(url), async () => {
      const answer = await this.peers.answer(
        serviceProbeRoutes.ready,
        {},
        { baseUrl: url, signal: AbortSignal.timeout(this.timeoutMs) },
      );
      return answer.ok
        ? { status: 'up', detail: null }
        : { status: 'degraded', detail: `not ready: HTTP ${answer.status}` };
    });
  }

  /** A readiness check another module registered (Redis's PING, the IAM database's SELECT 1). */
  private async registered(
    name: string,
    kind: DownstreamKind,
    url: string,
    checkName: string,
  ): Promise<DownstreamService> {
    const check: ReadinessCheck | undefined = this.readiness.readinessChecks().get(checkName);
    return this.timed(name, kind, url, async () => {
      if (check === undefined) return { status: 'down', detail: 'not connected yet' };
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        check(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      return { status: 'up', detail: null };
    });
  }

  private async timed(
    name: string,
    kind: DownstreamKind,
    url: string,
    probe: () => Promise<{ status: DownstreamStatus; detail: string | null }>,
  ): Promise<DownstreamService> {
    const started = performance.now();
    let outcome: { status: DownstreamStatus; detail: string | null };
    try {
      outcome = await probe();
    } catch (error) {
      outcome = { status: 'down', detail: message(error) };
    }
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return {
      name,
      kind,
      url,
      latencyMs,
      checkedAt: new Date().toISOString(),
      ...outcome,
    };
  }

  private async hosts(): Promise<DownstreamService[]> {
    try {
      return (await this.backends.list()).map((view) => hostRow(view, this.monitor));
    } catch (error) {
      this.logger.warn({ err: message(error) }, 'could not list the session hosts for the health view');
      return [];
    }
  }
}
