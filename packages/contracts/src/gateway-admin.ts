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
