import { type RouteDefinition } from './common';
import { z } from 'zod';
import { backendStatusSchema } from './heartbeat';

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

/**
 * A session host's answer on /health: always 200 while it serves (the gateway reads capacity from heartbeats),
 * saying degraded when it is full or cannot capture a display, and draining once it stops taking sessions.
 */
export const backendHealthResponseSchema = z.object({
  status: backendStatusSchema,
  activeSessions: z.int().min(0),
  maxSessions: z.int().min(1),
  /** The capture tools this host found (xvfb, ffmpeg, xdotool, …) and whether each is there. */
  captureTools: z.record(z.string(), z.boolean()),
  /** Why the status is not healthy, in words an operator can act on. */
  problems: z.array(z.string()),
});
export type BackendHealthResponse = z.infer<typeof backendHealthResponseSchema>;
