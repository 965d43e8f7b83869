import {
  adminBackendsResponseSchema,
  adminBackendsRoute,
  adminDisconnectParamSchema,
  adminDisconnectRoute,
  adminLicenceResponseSchema,
  adminLicenceRoute,
  adminSessionsResponseSchema,
  adminSessionsRoute,
  GATEWAY_HEALTH_BODY,
  gatewayHealthRoute,
  getConnectionResponseSchema,
  getConnectionRoute,
  HEALTH_LIVE_PATH,
  HEALTH_READY_PATH,
  HEALTH_STARTUP_PATH,
  heartbeatRequestSchema,
  heartbeatResponseSchema,
  heartbeatRoute,
  METRICS_PATH,
  registerRequestSchema,
  registerResponseSchema,
  registerRoute,
  SESSION_ID_HEADER,
  sessionIdSchema,
  sessionReleaseRequestSchema,
  sessionReleaseResponseSchema,
  sessionReleaseRoute,
  sessionSelectRequestSchema,
  sessionSelectResponseSchema,
  sessionSelectRoute,
  sessionStatusResponseSchema,
  sessionStatusRoute,
  streamerCheckinRequestSchema,
  streamerCheckinResponseSchema,
  streamerCheckinRoute,
  streamerCheckoutRequestSchema,
  streamerCheckoutResponseSchema,
  streamerCheckoutRoute,
  unregisterRequestSchema,
  unregisterResponseSchema,
  unregisterRoute,
} from '@webstream/contracts';
import { z } from 'zod';
import { type oas31 } from 'zod-openapi';
import { type ApiOperation } from './api-operation';

/** Where the aggregated document is served. */
export const OPENAPI_JSON_PATH = '/openapi.json';
export const OPENAPI_YAML_PATH = '/openapi.yaml';

export const GATEWAY_SECURITY_SCHEMES: Record<string, oas31.SecuritySchemeObject> = {
  // As IAM's document names it, so that the merged document has one bearer scheme.
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
  backendToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Backend-Token',
    description: 'gateway.backend.token: session hosts and streamers only',
  },
};

const bearer = ['bearer'];
const backend = ['backendToken'];

const sessionIdHeader = z.object({ [SESSION_ID_HEADER]: sessionIdSchema });
const optionalSessionIdHeader = z.object({ [SESSION_ID_HEADER]: sessionIdSchema.optional() });

const plainText = (example: string) => ({
  'text/plain': { schema: { type: 'string' as const, examples: [example] } },
});

const healthBody = {
  'application/json': {
    schema: {
      type: 'object' as const,
      properties: { status: { type: 'string' as const } },
      additionalProperties: true,
    },
  },
};

/** Every HTTP route the gateway itself serves (the /capture, /control and /audio WebSockets aside). */
export const gatewayOperations: ApiOperation[] = [
  {
    route: sessionSelectRoute,
    summary: 'Launch a workspace application: reserve a slot and pin the session to a backend',
    tag: 'sessions',
    security: bearer,
    header: sessionIdHeader,
    body: sessionSelectRequestSchema,
    status: 200,
    response: sessionSelectResponseSchema,
    errors: {
      409: 'The concurrency limit is reached',
      503: 'No healthy backend has room: retry after Retry-After seconds',
    },
    retryAfterOn: [503],
  },
  {
    route: sessionReleaseRoute,
    summary: "End a workspace session and free its slot (sessionId, else the X-Session-ID header's)",
    tag: 'sessions',
    security: bearer,
    header: optionalSessionIdHeader,
    body: sessionReleaseRequestSchema,
    status: 200,
    response: sessionReleaseResponseSchema,
  },
  {
    route: sessionStatusRoute,
    summary: "Reconnect preflight: the session's state",
    tag: 'sessions',
    security: bearer,
    header: sessionIdHeader,
    status: 200,
    response: sessionStatusResponseSchema,
  },
  {
    route: getConnectionRoute,
    summary: "Proxied to the session's backend: the streamer's connection details and a WebSocket ticket",
    description:
      'The gateway injects the workspace contract headers (X-Workspace-ID … X-Policy-JSON); the ticket opens ' +
      '/capture, /control and /audio once each.',
    tag: 'sessions',
    security: bearer,
    header: sessionIdHeader,
    status: 200,
    response: getConnectionResponseSchema,
    errors: { 404: 'No such session, or it has ended', 502: 'The session host could not be reached' },
  },
  {
    route: registerRoute,
    summary: 'A session host registers (at start-up, retried every 30 s up to 10 times)',
    tag: 'backends',
    security: backend,
    body: registerRequestSchema,
    status: 200,
    response: registerResponseSchema,
  },
  {
    route: heartbeatRoute,
    summary: "A session host's heartbeat (every heartbeatInterval)",
    tag: 'backends',
    security: backend,
    body: heartbeatRequestSchema,
    status: 200,
    response: heartbeatResponseSchema,
    errors: { 404: 'The backend is not registered: register again' },
  },
  {
    route: unregisterRoute,
    summary: 'A session host leaves (at shutdown)',
    tag: 'backends',
    security: backend,
    body: unregisterRequestSchema,
    status: 200,
    response: unregisterResponseSchema,
  },
  {
    route: streamerCheckinRoute,
    summary: "A streamer's licence check-in (every 15 s)",
    tag: 'licence',
    security: backend,
    body: streamerCheckinRequestSchema,
    status: 200,
    response: streamerCheckinResponseSchema,
    errors: {
      403: 'No valid licence',
      409: 'The licensed session cap is reached: the streamer must end',
    },
  },
  {
    route: streamerCheckoutRoute,
    summary: 'A streamer checks out (logoff or exit)',
    tag: 'licence',
    security: backend,
    body: streamerCheckoutRequestSchema,
    status: 200,
    response: streamerCheckoutResponseSchema,
  },
  {
    route: adminBackendsRoute,
    summary: 'The registered session hosts and their health (platform administrators)',
    tag: 'admin',
    security: bearer,
    status: 200,
    response: adminBackendsResponseSchema,
  },
  {
    route: adminSessionsRoute,
    summary: "Running sessions: every one for a platform administrator, an organization's for its admin",
    tag: 'admin',
    security: bearer,
    status: 200,
    response: adminSessionsResponseSchema,
  },
  {
    route: adminDisconnectRoute,
    summary: 'Disconnect a session',
    tag: 'admin',
    security: bearer,
    path: adminDisconnectParamSchema,
    status: 204,
    errors: { 404: 'No such session' },
  },
  {
    route: adminLicenceRoute,
    summary: 'The licence and its use (platform administrators)',
    tag: 'admin',
    security: bearer,
    status: 200,
    response: adminLicenceResponseSchema,
  },
  {
    route: gatewayHealthRoute,
    summary: 'Plain liveness probe for load balancers',
    tag: 'operations',
    security: [],
    status: 200,
    content: plainText(GATEWAY_HEALTH_BODY),
  },
  {
    route: { method: 'GET', path: HEALTH_LIVE_PATH },
    summary: 'Liveness',
    tag: 'operations',
    security: [],
    status: 200,
    content: healthBody,
  },
  {
    route: { method: 'GET', path: HEALTH_READY_PATH },
    summary: 'Readiness: the dependencies this gateway needs answer',
    tag: 'operations',
    security: [],
    status: 200,
    content: healthBody,
    errors: { 503: 'Not ready (starting, draining, or a dependency is down)' },
  },
  {
    route: { method: 'GET', path: HEALTH_STARTUP_PATH },
    summary: 'Start-up probe',
    tag: 'operations',
    security: [],
    status: 200,
    content: healthBody,
    errors: { 503: 'Still starting' },
  },
  {
    route: { method: 'GET', path: METRICS_PATH },
    summary: 'Prometheus metrics',
    tag: 'operations',
    security: [],
    status: 200,
    content: plainText(
      'gateway_requests_total{service="gateway",method="GET",path="/gateway/health",status="200"} 1',
    ),
  },
  {
    route: { method: 'GET', path: OPENAPI_JSON_PATH },
    summary: 'This document: the gateway, IAM and the metrics engine (through /mcp/api) in one OpenAPI 3.1',
    tag: 'operations',
    security: [],
    status: 200,
    content: { 'application/json': { schema: { type: 'object' } } },
  },
  {
    route: { method: 'GET', path: OPENAPI_YAML_PATH },
    summary: 'This document as YAML',
    tag: 'operations',
    security: [],
    status: 200,
    content: { 'application/yaml': { schema: { type: 'string' } } },
  },
];

export const GATEWAY_TAGS: Record<string, string> = {
  sessions: 'Workspace sessions: launch, status, release, and the connection to the streamer',
  backends: 'Session hosts registering with the gateway',
  licence: "Streamers' licence check-in and check-out",
  admin: 'Operations views for administrators',
  operations: 'Probes, metrics and this document',
};
