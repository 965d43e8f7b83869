import { z } from 'zod';
import { backendStatusSchema } from './heartbeat';
import { defineEndpoint, plainTextContent, probeResponseSchema } from './endpoint';

export const GATEWAY_HEALTH_BODY = 'OK';

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

/** The load balancers' liveness probe on the gateway: plain text, no JSON. */
export const gatewayHealthRoute = defineEndpoint({
  operationId: 'gatewayHealth',
  method: 'GET',
  path: '/gateway/health',
  summary: 'Plain liveness probe for load balancers',
  tag: 'operations',
  security: [],
  status: 200,
  content: plainTextContent(GATEWAY_HEALTH_BODY),
});

/** What the gateway probes on each registered backend ({serverUrl}/health). */
export const backendHealthRoute = defineEndpoint({
  operationId: 'getBackendHealth',
  method: 'GET',
  path: '/health',
  summary: "The host's status and capacity, as the gateway's health monitor reads it",
  tag: 'operations',
  security: [],
  status: 200,
  response: backendHealthResponseSchema,
});

/** The probes and metrics every service serves (service-kit), the same in each service's document. */
export const serviceProbeRoutes = {
  live: defineEndpoint({
    operationId: 'probeLiveness',
    method: 'GET',
    path: HEALTH_LIVE_PATH,
    summary: 'Liveness',
    tag: 'operations',
    security: [],
    status: 200,
    response: probeResponseSchema,
  }),
  ready: defineEndpoint({
    operationId: 'probeReadiness',
    method: 'GET',
    path: HEALTH_READY_PATH,
    summary: 'Readiness: the dependencies this service needs answer',
    tag: 'operations',
    security: [],
    status: 200,
    response: probeResponseSchema,
    errors: { 503: 'Not ready (starting, draining, or a dependency is down)' },
  }),
  startup: defineEndpoint({
    operationId: 'probeStartup',
    method: 'GET',
    path: HEALTH_STARTUP_PATH,
    summary: 'Start-up probe',
    tag: 'operations',
    security: [],
    status: 200,
    response: probeResponseSchema,
    errors: { 503: 'Still starting' },
  }),
  metrics: defineEndpoint({
    operationId: 'getMetrics',
    method: 'GET',
    path: METRICS_PATH,
    summary: 'Prometheus metrics',
    tag: 'operations',
    security: ['metricsToken'],
    status: 200,
    content: plainTextContent('http_requests_total{method="GET",path="/health/live",status="200"} 1'),
    errors: { 404: 'No metrics.bearerToken is set: /metrics is served to nobody' },
  }),
};

/** Every service describes itself here: its OpenAPI 3.1 document, as JSON and as YAML. */
export const openApiRoutes = {
  json: defineEndpoint({
    operationId: 'getOpenApiDocument',
    method: 'GET',
    path: '/openapi.json',
    summary: "This service's OpenAPI 3.1 document",
    tag: 'operations',
    security: [],
    status: 200,
    response: z.looseObject({ openapi: z.string() }),
  }),
  yaml: defineEndpoint({
    operationId: 'getOpenApiDocumentYaml',
    method: 'GET',
    path: '/openapi.yaml',
    summary: 'The same document as YAML',
    tag: 'operations',
    security: [],
    status: 200,
    content: { 'application/yaml': z.string() },
  }),
};
