import { type IncomingMessage } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import {
  API_KEY_HEADER,
  heartbeatRoute,
  registerRoute,
  streamerCheckinRoute,
  streamerCheckoutRoute,
  unregisterRoute,
} from '@webstream/contracts';
import type { NextFunction, Request, Response } from 'express';
import {
  type AuthFailureReason,
  GatewayMetrics,
  isObservedElsewhere,
  type ServedBy,
  statusOf,
} from './gateway-metrics';

/** The path label of a request no route matched (a 404, or a wildcard catch-all). */
export const UNMATCHED_PATH = 'unmatched';

const BACKEND_CREDENTIAL_PATHS = new Set<string>([
  registerRoute.path,
  heartbeatRoute.path,
  unregisterRoute.path,
  streamerCheckinRoute.path,
  streamerCheckoutRoute.path,
]);

interface MetricsRoute {
  service: ServedBy;
  /** Put before the matched route template, e.g. /mcp for IAM routes reached through /mcp/iam/*. */
  prefix: string;
}

const METRICS_ROUTE = Symbol('gateway-metrics.route');

/**
 * Says what serves a request that Express routes on under another path: the MCP proxy hands /mcp/iam/users to
 * the in-process /iam/users, which is recorded as service iam, path /mcp/iam/users.
 */
export function setMetricsRoute(req: IncomingMessage, route: MetricsRoute): void {
  (req as IncomingMessage & { [METRICS_ROUTE]?: MetricsRoute })[METRICS_ROUTE] = route;
}

/** The route template Express matched (with its mount path), or undefined when no route did. */
export function matchedRoute(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  // A wildcard route is a catch-all (Nest's not-found handler, a middleware mounted on every path), not a route.
  if (typeof path !== 'string' || path.includes('*')) return undefined;
  return `${req.baseUrl}${path}`;
}

/** What served a request and its path label. */
export function routeLabels(req: Request): { service: ServedBy; path: string } {
  const override = (req as Request & { [METRICS_ROUTE]?: MetricsRoute })[METRICS_ROUTE];
  const route = matchedRoute(req);
  if (override !== undefined) {
    return {
      service: override.service,
      path: route === undefined ? UNMATCHED_PATH : `${override.prefix}${route}`,
    };
  }
  if (route === undefined) return { service: 'gateway', path: UNMATCHED_PATH };
  return { service: route.startsWith('/iam/') ? 'iam' : 'gateway', path: route };
}

/** The area a 401 came from, by route: sign-in, a backend credential, an API key, else an access token. */
export function authFailureReason(req: Request, path: string): AuthFailureReason {
  if (path.startsWith('/iam/auth/')) return 'login';
  if (BACKEND_CREDENTIAL_PATHS.has(path)) return 'backend_token';
  if (typeof req.headers[API_KEY_HEADER] === 'string') return 'api_key';
  return 'access_token';
}

/**
 * Records every request Express answers in gateway_requests_total and gateway_request_duration_seconds, and its
 * 401s in gateway_auth_failures_total; proxied requests are recorded by their proxy (markObservedElsewhere).
 */
@Injectable()
export class GatewayMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: GatewayMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      if (isObservedElsewhere(req)) return;
      const status = statusOf(res);
      const { service, path } = routeLabels(req);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.observeRequest(service, req.method, path, status, seconds);
      if (status === 401) this.metrics.authFailure(authFailureReason(req, path));
    });
    next();
  }
}
