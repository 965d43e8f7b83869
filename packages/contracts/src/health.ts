import { type RouteDefinition } from './common';

/** The load balancers' liveness probe on the gateway: plain text, no JSON. */
export const gatewayHealthRoute = {
  method: 'GET',
  path: '/gateway/health',
} as const satisfies RouteDefinition;
export const GATEWAY_HEALTH_BODY = 'OK';

/** What the gateway probes on each registered backend ({serverUrl}/health). */
export const backendHealthRoute = { method: 'GET', path: '/health' } as const satisfies RouteDefinition;

export const HEALTH_LIVE_PATH = '/health/live';
export const HEALTH_READY_PATH = '/health/ready';
export const HEALTH_STARTUP_PATH = '/health/startup';
export const METRICS_PATH = '/metrics';

export const serviceHealthPaths = {
  live: HEALTH_LIVE_PATH,
  ready: HEALTH_READY_PATH,
  startup: HEALTH_STARTUP_PATH,
  metrics: METRICS_PATH,
} as const;
