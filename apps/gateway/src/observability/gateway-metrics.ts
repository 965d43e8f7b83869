import { type IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { InjectMetrics } from '@webstream/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What served a request the gateway answered: itself, the in-process IAM, or the peer it proxied to. */
export const SERVED_BY = ['gateway', 'iam', 'metrics-engine', 'session-host', 'streamer'] as const;
export type ServedBy = (typeof SERVED_BY)[number];

/**
 * Why a caller was not authenticated; a closed list, so the label stays bounded. The middleware records 401s of
 * the routes it sees by area (login, access_token, api_key, backend_token); the MCP proxy and the data plane
 * name their own.
 */
export const AUTH_FAILURE_REASONS = [
  // Sign-in refused at /iam/auth/*.
  'login',
  // A missing, expired or forged access token.
  'access_token',
  // An IAM API key (X-API-Key, or X-MCP-Key carrying a wsk_ key) that is malformed, unknown, revoked or expired.
  'api_key',
  // X-Backend-Token of register, heartbeat, unregister and the licence check-in/out.
  'backend_token',
  // No X-MCP-Key on an /mcp/* request.
  'mcp_key_missing',
  // An X-MCP-Key that matches no configured key.
  'mcp_key_invalid',
  // mcpApiKeys is empty: every MCP request is refused.
  'mcp_disabled',
  // A WebSocket upgrade without a valid connection ticket.
  'ws_ticket',
] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** An HTTP method as a label: a method outside the usual ones is OTHER, so a client cannot mint series. */
export function methodLabel(method: string | undefined): string {
  const upper = (method ?? '').toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : 'OTHER';
}

/** The status a response ended with; a client that went away before the answer counts as 499 (nginx's). */
export function statusOf(res: { statusCode: number; writableFinished: boolean }): number {
  return res.writableFinished ? res.statusCode : 499;
}

const OBSERVED_ELSEWHERE = Symbol('gateway-metrics.observed-elsewhere');

/**
 * Tells the request middleware to leave a request alone: whoever calls this records it with
 * GatewayMetrics.observeRequest (a proxied request, say), so it is not counted twice.
 */
export function markObservedElsewhere(req: IncomingMessage): void {
  (req as IncomingMessage & { [OBSERVED_ELSEWHERE]?: true })[OBSERVED_ELSEWHERE] = true;
}

export function isObservedElsewhere(req: IncomingMessage): boolean {
  return (req as IncomingMessage & { [OBSERVED_ELSEWHERE]?: true })[OBSERVED_ELSEWHERE] === true;
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type RequestLabels = 'service' | 'method' | 'path' | 'status';
type DurationLabels = 'service' | 'method' | 'path';

/** prom-client refuses a second metric of one name in a registry; a second instance shares the first's. */
function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/**
 * Seed 002's gateway series, beside service-kit's http_server_request_duration_seconds. `path` is always a route
 * template or a fixed name (/getConnection, /mcp/api/*), never a raw path: ids would make a series per session.
 */
@Injectable()
export class GatewayMetrics {
  private readonly requests: Counter<RequestLabels>;
  private readonly durations: Histogram<DurationLabels>;
  private readonly connections: Gauge<'service'>;
  private readonly authFailures: Counter<'reason'>;

  constructor(@InjectMetrics() registry: Registry) {
    this.requests =
      existing(registry, 'gateway_requests_total') ??
      new Counter({
        name: 'gateway_requests_total',
        help: 'Requests the gateway answered, by what served them, method, route template and status',
        labelNames: ['service', 'method', 'path', 'status'],
        registers: [registry],
      });
    this.durations =
      existing(registry, 'gateway_request_duration_seconds') ??
      new Histogram({
        name: 'gateway_request_duration_seconds',
        help: 'Time from the request reaching the gateway to the end of its answer, by what served it',
        labelNames: ['service', 'method', 'path'],
        buckets: DURATION_BUCKETS,
        registers: [registry],
      });
    this.connections =
      existing(registry, 'gateway_active_connections') ??
      new Gauge({
        name: 'gateway_active_connections',
        help: 'Long-lived connections (WebSockets) the gateway is relaying now, by the service at the far end',
        labelNames: ['service'],
        registers: [registry],
      });
    this.authFailures =
      existing(registry, 'gateway_auth_failures_total') ??
      new Counter({
        name: 'gateway_auth_failures_total',
        help: 'Requests refused because the caller was not authenticated, by reason',
        labelNames: ['reason'],
        registers: [registry],
      });
  }

  /** One answered request; `path` must be a route template or fixed name. */
  observeRequest(service: ServedBy, method: string, path: string, status: number, seconds: number): void {
    const methodName = methodLabel(method);
    this.requests.inc({ service, method: methodName, path, status: String(status) });
    this.durations.observe({ service, method: methodName, path }, seconds);
  }

  /**
   * Starts timing a request; the returned function records it with its final status. For callers that know the
   * route before the answer (a proxy): `const done = metrics.startRequest('streamer', 'GET', '/capture')`.
   */
  startRequest(service: ServedBy, method: string, path: string): (status: number) => void {
    const started = process.hrtime.bigint();
    return (status) =>
      this.observeRequest(service, method, path, status, Number(process.hrtime.bigint() - started) / 1e9);
  }

  connectionOpened(service: ServedBy): void {
    this.connections.inc({ service });
  }

  connectionClosed(service: ServedBy): void {
    this.connections.dec({ service });
  }

  authFailure(reason: AuthFailureReason): void {
    this.authFailures.inc({ reason });
  }
}
