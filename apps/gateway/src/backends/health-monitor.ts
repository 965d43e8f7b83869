import { AsyncResource } from 'node:async_hooks';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { performance } from 'node:perf_hooks';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { backendHealthRoute, ContractViolation } from '@webstream/contracts';
import { createHttpClient, EndpointClient, InjectConfig, InjectMetrics } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import CircuitBreaker from 'opossum';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { type BackendHealth } from './backend-directory';

/** Seed 000: a backend that is not (or no longer) known to be stable is probed every second. */
export const UNSTABLE_PROBE_INTERVAL_MS = 1_000;

// The breaker half-opens this long after it opened, and no probe starts sooner than MIN_PROBE_GAP_MS after
// the previous one ended: every probe reaches the backend (as the half-open trial when the circuit was open),
// so the breaker never hides a recovery nor turns one real failure into two.
const BREAKER_RESET_MS = 500;
const MIN_PROBE_GAP_MS = 600;

const STATE_VALUE = { unknown: 0, healthy: 1, unstable: 2, unreachable: 3 } as const satisfies Record<
  BackendHealth,
  number
>;

const OUTCOMES = ['success', 'failure', 'timeout', 'rejected'] as const;
export type ProbeOutcome = (typeof OUTCOMES)[number];

interface ProbeResult {
  outcome: ProbeOutcome;
  /** Why a probe failed, for the log line. */
  reason?: string;
}

interface Watched {
  readonly serverUrl: string;
  readonly breaker: CircuitBreaker<[], void>;
  health: BackendHealth;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  timer: NodeJS.Timeout | undefined;
  /** Set when the backend leaves the registry or the gateway stops: an answer still on its way is dropped. */
  dropped: boolean;
  lastProbe: LastProbe | undefined;
}

/** How the latest probe of a backend went. */
export interface LastProbe {
  latencyMs: number;
  outcome: ProbeOutcome;
  reason: string | undefined;
  /** Date.now() when it ended. */
  at: number;
}

class ProbeFailure extends Error {}

/**
 * This gateway's view of each backend's health, from probes of {serverUrl}/health: every second while the
 * backend is unconfirmed or has failed since it was last stable, every gateway.healthCheck.interval once
 * stable; unreachable after failureThreshold consecutive failures, healthy after successThreshold consecutive
 * successes. Each backend has its own circuit breaker, which every probe goes through.
 */
@Injectable()
export class HealthMonitor implements OnApplicationShutdown {
  private readonly watched = new Map<string, Watched>();
  private readonly stableIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly failureThreshold: number;
  private readonly successThreshold: number;
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });
  private readonly hosts: EndpointClient;
  private readonly state: Gauge<'backend'>;
  private readonly probeDuration: Histogram<'backend' | 'outcome'>;
  // Bound here, outside any request: probe timers started while serving a registration must not carry that
  // request's correlation id (and log context) for the life of the backend.
  private readonly outsideRequests = AsyncResource.bind((work: () => void): void => work());
  private stopped = false;

  constructor(
    @InjectConfig() config: WebstreamConfig,
    @InjectMetrics() registry: Registry,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(HealthMonitor.name);
    const { interval, timeout, failureThreshold, successThreshold } = config.gateway.healthCheck;
    this.stableIntervalMs = interval * 1000;
    this.timeoutMs = timeout * 1000;
    this.failureThreshold = failureThreshold;
    this.successThreshold = successThreshold;
    this.hosts = new EndpointClient(
      createHttpClient({
        timeout: this.timeoutMs,
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
        maxRedirects: 0,
        maxContentLength: 64 * 1024,
        headers: { Accept: 'application/json' },
      }),
    );
    this.state = new Gauge({
      name: 'gateway_backend_state',
      help: "Each backend's health as this gateway's monitor sees it: 0 unknown, 1 healthy, 2 unstable, 3 unreachable",
      labelNames: ['backend'] as const,
      registers: [registry],
    });
    this.probeDuration = new Histogram({
      name: 'gateway_backend_probe_duration_seconds',
      help: 'Health probes of each backend, by outcome (success, failure, timeout, rejected by its circuit breaker)',
      labelNames: ['backend', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  /** Starts probing the backend at once (a no-op when it is watched already). */
  watch(serverUrl: string): void {
    if (this.stopped || this.watched.has(serverUrl)) return;
    const watched: Watched = {
      serverUrl,
      breaker: new CircuitBreaker(() => this.fetchHealth(serverUrl), {
        name: serverUrl,
        timeout: this.timeoutMs,
        resetTimeout: BREAKER_RESET_MS,
        enableSnapshots: false,
      }),
      health: 'unknown',
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
      timer: undefined,
      dropped: false,
      lastProbe: undefined,
    };
    this.watched.set(serverUrl, watched);
    this.state.set({ backend: serverUrl }, STATE_VALUE.unknown);
    this.outsideRequests(() => this.schedule(watched, 0));
  }

  /** Stops probing the backend and drops its Prometheus series. */
  unwatch(serverUrl: string): void {
    const watched = this.watched.get(serverUrl);
    if (watched === undefined) return;
    this.watched.delete(serverUrl);
    this.drop(watched);
    this.state.remove({ backend: serverUrl });
    for (const outcome of OUTCOMES) this.probeDuration.remove({ backend: serverUrl, outcome });
  }

  /** Watches exactly these backends: the new ones start, the missing ones stop. */
  reconcile(serverUrls: Iterable<string>): void {
    const wanted = new Set(serverUrls);
    for (const serverUrl of [...this.watched.keys()]) if (!wanted.has(serverUrl)) this.unwatch(serverUrl);
    for (const serverUrl of wanted) this.watch(serverUrl);
  }

  /** undefined when the backend is not watched. */
  health(serverUrl: string): BackendHealth | undefined {
    return this.watched.get(serverUrl)?.health;
  }

  /** undefined when the backend is not watched or not probed yet. */
  lastProbe(serverUrl: string): LastProbe | undefined {
    return this.watched.get(serverUrl)?.lastProbe;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const watched of this.watched.values()) this.drop(watched);
    this.watched.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private drop(watched: Watched): void {
    watched.dropped = true;
    clearTimeout(watched.timer);
    watched.timer = undefined;
    watched.breaker.shutdown();
  }

  private schedule(watched: Watched, delayMs: number): void {
    if (watched.dropped) return;
    watched.timer = setTimeout(() => {
      this.probe(watched).catch((error: unknown) => {
        this.logger.error({ err: error, backend: watched.serverUrl }, 'backend health probe crashed');
      });
    }, delayMs);
    watched.timer.unref();
  }

  private async probe(watched: Watched): Promise<void> {
    watched.timer = undefined;
    const started = performance.now();
    const result = await this.attempt(watched);
    const elapsedMs = performance.now() - started;
    if (watched.dropped) return;
    watched.lastProbe = {
      latencyMs: elapsedMs,
      outcome: result.outcome,
      reason: result.reason,
      at: Date.now(),
    };
    try {
      this.probeDuration.observe({ backend: watched.serverUrl, outcome: result.outcome }, elapsedMs / 1000);
      this.record(watched, result);
    } finally {
      const interval = watched.health === 'healthy' ? this.stableIntervalMs : UNSTABLE_PROBE_INTERVAL_MS;
      this.schedule(watched, Math.max(interval - elapsedMs, MIN_PROBE_GAP_MS));
    }
  }

  private async attempt(watched: Watched): Promise<ProbeResult> {
    try {
      await watched.breaker.fire();
      return { outcome: 'success' };
    } catch (error) {
      return classify(error);
    }
  }

  private async fetchHealth(serverUrl: string): Promise<void> {
    // A host that answers is reachable whatever status it reports (a degraded host still serves; capacity is
    // the heartbeat's), but only if its answer is a backend's: one that breaks the contract is not a host.
    let response;
    try {
      response = await this.hosts.answer(
        backendHealthRoute,
        {},
        {
          baseUrl: serverUrl,
          signal: AbortSignal.timeout(this.timeoutMs),
        },
      );
    } catch (error) {
      if (error instanceof ContractViolation) throw new ProbeFailure(`answered ${error.message}`);
      throw error;
    }
    if (!response.ok) throw new ProbeFailure(`answered HTTP ${response.status}`);
  }

  private record(watched: Watched, result: ProbeResult): void {
    if (result.outcome === 'success') {
      watched.consecutiveFailures = 0;
      watched.consecutiveSuccesses += 1;
      if (watched.health !== 'healthy' && watched.consecutiveSuccesses >= this.successThreshold) {
        this.transition(watched, 'healthy', result);
      }
      return;
    }
    watched.consecutiveSuccesses = 0;
    watched.consecutiveFailures += 1;
    if (watched.consecutiveFailures >= this.failureThreshold) {
      if (watched.health !== 'unreachable') this.transition(watched, 'unreachable', result);
    } else if (watched.health === 'unknown' || watched.health === 'healthy') {
      this.transition(watched, 'unstable', result);
    }
  }

  private transition(watched: Watched, next: BackendHealth, result: ProbeResult): void {
    const previous = watched.health;
    watched.health = next;
    this.state.set({ backend: watched.serverUrl }, STATE_VALUE[next]);
    const fields = {
      backend: watched.serverUrl,
      previous,
      health: next,
      consecutiveFailures: watched.consecutiveFailures,
      consecutiveSuccesses: watched.consecutiveSuccesses,
      ...(result.reason === undefined ? {} : { reason: result.reason }),
    };
    switch (next) {
      case 'healthy':
        this.logger.info(fields, 'backend is healthy');
        return;
      case 'unstable':
        this.logger.warn(fields, 'backend health probe failed; probing it every second');
        return;
      case 'unreachable':
        this.logger.warn(fields, 'backend is unreachable; it gets no new sessions');
        return;
      case 'unknown':
        return;
    }
  }
}

function classify(error: unknown): ProbeResult {
  const reason = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EOPENBREAKER') return { outcome: 'rejected', reason: 'circuit breaker is open' };
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') return { outcome: 'timeout', reason };
  if (code === 'ERR_CANCELED') return { outcome: 'timeout', reason };
  return { outcome: 'failure', reason };
}
