import { z } from 'zod';
import { closeReasonSchema } from './close-codes';
import { entityIdSchema, isoDateTimeSchema, percentageSchema } from './common';
import { backendStatusSchema } from './heartbeat';
import { sessionIdSchema, sessionStateSchema } from './session';
import { defineEndpoint } from './endpoint';

export const backendHealthSchema = z.enum(['unknown', 'healthy', 'unstable', 'unreachable']);
export type BackendHealthState = z.infer<typeof backendHealthSchema>;

export const adminBackendSchema = z.object({
  serverUrl: z.string(),
  health: backendHealthSchema,
  status: backendStatusSchema,
  maxSessions: z.int().min(0),
  activeSessions: z.int().min(0),
  /** Sessions pinned to it since its last heartbeat. */
  pendingSessions: z.int().min(0),
  instanceType: z.string(),
  tags: z.array(z.string()),
  capabilities: z.array(z.string()),
  ec2InstanceId: z.string().nullable(),
  version: z.string(),
  cpuUsage: percentageSchema.nullable(),
  memoryUsage: percentageSchema.nullable(),
  registeredAt: isoDateTimeSchema,
  lastSeenAt: isoDateTimeSchema,
});
export type AdminBackend = z.infer<typeof adminBackendSchema>;
export const adminBackendsResponseSchema = z.object({ items: z.array(adminBackendSchema) });
export type AdminBackendsResponse = z.infer<typeof adminBackendsResponseSchema>;

export const adminSessionSchema = z.object({
  sessionId: sessionIdSchema,
  state: sessionStateSchema,
  userId: entityIdSchema,
  username: z.string(),
  orgId: entityIdSchema,
  workspaceId: entityIdSchema,
  workspaceName: z.string(),
  appId: entityIdSchema,
  appExe: z.string(),
  backend: z.string(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
  streamerGuid: z.string().optional(),
  endedReason: closeReasonSchema.optional(),
});
export type AdminSession = z.infer<typeof adminSessionSchema>;
export const adminSessionsResponseSchema = z.object({ items: z.array(adminSessionSchema) });
export type AdminSessionsResponse = z.infer<typeof adminSessionsResponseSchema>;

export const adminDisconnectParamSchema = z.strictObject({ sessionId: sessionIdSchema });
export type AdminDisconnectParam = z.infer<typeof adminDisconnectParamSchema>;

export const adminLicenceResponseSchema = z.object({
  valid: z.boolean(),
  licensee: z.string().optional(),
  kind: z.enum(['production', 'development']).optional(),
  maxStreamers: z.int().min(0).optional(),
  expiresAt: isoDateTimeSchema.optional(),
  activeStreamers: z.int().min(0),
  /** Why the licence is not valid, for the operator. */
  problem: z.string().optional(),
});
export type AdminLicenceResponse = z.infer<typeof adminLicenceResponseSchema>;

export const adminWebSocketSchema = z.object({
  id: z.uuid(),
  sessionId: sessionIdSchema,
  userId: entityIdSchema,
  clientAddress: z.string(),
  publicPath: z.string(),
  upstreamUrl: z.string(),
  bytesFromClient: z.int().min(0),
  bytesToClient: z.int().min(0),
  openedAt: isoDateTimeSchema,
});
export type AdminWebSocket = z.infer<typeof adminWebSocketSchema>;
export const adminWebSocketsResponseSchema = z.object({ items: z.array(adminWebSocketSchema) });
export type AdminWebSocketsResponse = z.infer<typeof adminWebSocketsResponseSchema>;
export const adminCloseWebSocketParamSchema = z.strictObject({ id: z.uuid() });
export type AdminCloseWebSocketParam = z.infer<typeof adminCloseWebSocketParamSchema>;

export const downstreamStatusSchema = z.enum(['up', 'degraded', 'down']);
export type DownstreamStatus = z.infer<typeof downstreamStatusSchema>;
export const downstreamKindSchema = z.enum(['iam', 'metrics-engine', 'redis', 'postgresql', 'session-host']);
export type DownstreamKind = z.infer<typeof downstreamKindSchema>;

export const downstreamServiceSchema = z.object({
  /** What it is to an operator: "IAM", "metrics engine", a session host's serverUrl. */
  name: z.string().min(1),
  kind: downstreamKindSchema,
  /** Where the gateway reaches it, without credentials ("in-process" for IAM built in). */
  url: z.string(),
  status: downstreamStatusSchema,
  /** How long its last probe took; null before the first. */
  latencyMs: z.number().min(0).nullable(),
  /** Why it is not up, or what it said. */
  detail: z.string().nullable(),
  checkedAt: isoDateTimeSchema.nullable(),
});
export type DownstreamService = z.infer<typeof downstreamServiceSchema>;

/**
 * What this gateway depends on and how each answered its last probe, from probes run on a timer (never per
 * request): down when IAM or a store it keeps state in is down, degraded when anything else is not up.
 */
export const adminHealthResponseSchema = z.object({
  status: downstreamStatusSchema,
  checkedAt: isoDateTimeSchema.nullable(),
  services: z.array(downstreamServiceSchema),
});
export type AdminHealthResponse = z.infer<typeof adminHealthResponseSchema>;

/** Operations views of the gateway, for administrators (an access token with an admin role). */
export const adminBackendsRoute = defineEndpoint({
  operationId: 'adminListBackends',
  method: 'GET',
  path: '/gateway/admin/backends',
  summary: 'The registered session hosts and their health (platform administrators)',
  tag: 'admin',
  security: ['bearer'],
  status: 200,
  response: adminBackendsResponseSchema,
});

export const adminSessionsRoute = defineEndpoint({
  operationId: 'adminListSessions',
  method: 'GET',
  path: '/gateway/admin/sessions',
  summary: "Running sessions: every one for a platform administrator, an organization's for its admin",
  tag: 'admin',
  security: ['bearer'],
  status: 200,
  response: adminSessionsResponseSchema,
});

export const adminDisconnectRoute = defineEndpoint({
  operationId: 'adminDisconnectSession',
  method: 'DELETE',
  path: '/gateway/admin/sessions/:sessionId',
  summary: 'Disconnect a session',
  tag: 'admin',
  security: ['bearer'],
  params: adminDisconnectParamSchema,
  status: 204,
  errors: { 404: 'No such session' },
});

export const adminLicenceRoute = defineEndpoint({
  operationId: 'adminGetLicence',
  method: 'GET',
  path: '/gateway/admin/licence',
  summary: 'The licence and its use (platform administrators)',
  tag: 'admin',
  security: ['bearer'],
  status: 200,
  response: adminLicenceResponseSchema,
});

/** The WebSockets one gateway relays (seed 003's diagnostics); each gateway lists its own. */
export const adminWebSocketsRoute = defineEndpoint({
  operationId: 'adminListWebSockets',
  method: 'GET',
  path: '/gateway/admin/websockets',
  summary: 'The WebSockets this gateway relays (platform administrators)',
  tag: 'admin',
  security: ['bearer'],
  status: 200,
  response: adminWebSocketsResponseSchema,
});

export const adminCloseWebSocketRoute = defineEndpoint({
  operationId: 'adminCloseWebSocket',
  method: 'DELETE',
  path: '/gateway/admin/websockets/:id',
  summary: 'Close one relayed WebSocket',
  tag: 'admin',
  security: ['bearer'],
  params: adminCloseWebSocketParamSchema,
  status: 204,
  errors: { 404: 'This gateway relays no such WebSocket' },
});

export const adminHealthRoute = defineEndpoint({
  operationId: 'adminDownstreamHealth',
  method: 'GET',
  path: '/gateway/admin/health',
  summary:
    'What the gateway depends on (IAM, metrics engine, Redis, PostgreSQL, session hosts) and their health (platform administrators)',
  tag: 'admin',
  security: ['bearer'],
  status: 200,
  response: adminHealthResponseSchema,
});
