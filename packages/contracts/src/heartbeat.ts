import { z } from 'zod';
import { isoDateTimeSchema, percentageSchema } from './common';
import { backendTagsSchema, instanceTypeSchema, maxSessionsSchema, serverUrlSchema } from './register';
import { defineEndpoint } from './endpoint';

export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 10;

export const backendStatusSchema = z.enum(['healthy', 'degraded', 'draining']);
export type BackendStatus = z.infer<typeof backendStatusSchema>;

export const heartbeatRequestSchema = z.strictObject({
  serverUrl: serverUrlSchema,
  status: backendStatusSchema,
  // Deliberately not capped by maxSessions: a draining host or one whose limit was lowered may be over it.
  activeSessions: z.int().min(0).max(100_000),
  maxSessions: maxSessionsSchema,
  instanceType: instanceTypeSchema,
  tags: backendTagsSchema,
  cpuUsage: percentageSchema,
  memoryUsage: percentageSchema,
  timestamp: isoDateTimeSchema,
});
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>;

export const heartbeatResponseSchema = z.object({ acknowledged: z.literal(true) });
export type HeartbeatResponse = z.infer<typeof heartbeatResponseSchema>;

export const heartbeatRoute = defineEndpoint({
  operationId: 'backendHeartbeat',
  method: 'POST',
  path: '/gateway/heartbeat',
  summary: "A session host's heartbeat (every heartbeatInterval)",
  tag: 'backends',
  security: ['backendToken'],
  body: heartbeatRequestSchema,
  status: 200,
  response: heartbeatResponseSchema,
  errors: { 404: 'The backend is not registered: register again' },
});
