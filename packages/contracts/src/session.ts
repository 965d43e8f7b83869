import { z } from 'zod';
import { closeReasonSchema } from './close-codes';
import {
  appArgsSchema,
  appExeSchema,
  entityIdSchema,
  isoDateTimeSchema,
  workspaceTypeSchema,
} from './common';
import { streamerGuidSchema } from './licence';
import { defineEndpoint } from './endpoint';

/** Lower-case because Node lower-cases incoming header names. */
export const SESSION_ID_HEADER = 'x-session-id';

export const sessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,128}$/, 'Session ids are 8-128 characters of A-Z, a-z, 0-9, "_" and "-"');
export type SessionId = z.infer<typeof sessionIdSchema>;

export const sessionStateSchema = z.enum(['none', 'reserved', 'connecting', 'active', 'ended']);
export type SessionState = z.infer<typeof sessionStateSchema>;

/** Sent with the X-Session-ID and Authorization: Bearer headers. */
export const sessionSelectRequestSchema = z.strictObject({
  workspaceId: entityIdSchema,
  workspaceType: workspaceTypeSchema,
  appId: entityIdSchema,
  appExe: appExeSchema,
  appArgs: appArgsSchema,
});
export type SessionSelectRequest = z.infer<typeof sessionSelectRequestSchema>;

export const sessionSelectResponseSchema = z.object({
  sessionId: sessionIdSchema,
  state: sessionStateSchema,
  workspaceId: entityIdSchema,
  appId: entityIdSchema,
  affinityExpiresAt: isoDateTimeSchema,
});
export type SessionSelectResponse = z.infer<typeof sessionSelectResponseSchema>;

/** sessionId falls back to the X-Session-ID header when absent. */
export const sessionReleaseRequestSchema = z.strictObject({ sessionId: sessionIdSchema.optional() });
export type SessionReleaseRequest = z.infer<typeof sessionReleaseRequestSchema>;

export const sessionReleaseResponseSchema = z.object({
  success: z.boolean(),
  sessionId: sessionIdSchema,
});
export type SessionReleaseResponse = z.infer<typeof sessionReleaseResponseSchema>;

export const sessionStatusResponseSchema = z.object({
  sessionId: sessionIdSchema,
  state: sessionStateSchema,
  workspaceId: entityIdSchema.optional(),
  appId: entityIdSchema.optional(),
  backendReachable: z.boolean(),
  streamerGuid: streamerGuidSchema.optional(),
  // The same slugs as WebSocket close reasons, so the browser shows one message whichever way it learns of the end.
  endedReason: closeReasonSchema.optional(),
});
export type SessionStatusResponse = z.infer<typeof sessionStatusResponseSchema>;

export const sessionEndedRequestSchema = z.strictObject({
  sessionId: sessionIdSchema,
  streamerGuid: streamerGuidSchema,
  reason: closeReasonSchema,
});
export type SessionEndedRequest = z.infer<typeof sessionEndedRequestSchema>;

export const sessionEndedResponseSchema = z.object({
  /** False when the gateway knows no running session of that id and streamer (already ended, or another's). */
  ended: z.boolean(),
});
export type SessionEndedResponse = z.infer<typeof sessionEndedResponseSchema>;

/** The X-Session-ID a browser sends on every call of its session. */
export const sessionIdHeaderSchema = z.object({ [SESSION_ID_HEADER]: sessionIdSchema });

export const sessionSelectRoute = defineEndpoint({
  operationId: 'selectSession',
  method: 'POST',
  path: '/gateway/session/select',
  summary: 'Launch a workspace application: reserve a slot and pin the session to a backend',
  tag: 'sessions',
  security: ['bearer'],
  headers: sessionIdHeaderSchema,
  body: sessionSelectRequestSchema,
  status: 200,
  response: sessionSelectResponseSchema,
  errors: {
    403: 'Not entitled to this application of this workspace',
    409: 'The concurrency limit is reached',
    503: 'No healthy backend has room: retry after Retry-After seconds',
  },
  retryAfterOn: [503],
});

export const sessionReleaseRoute = defineEndpoint({
  operationId: 'releaseSession',
  method: 'POST',
  path: '/gateway/session/release',
  summary: "End a workspace session and free its slot (sessionId, else the X-Session-ID header's)",
  tag: 'sessions',
  security: ['bearer'],
  headers: z.object({ [SESSION_ID_HEADER]: sessionIdSchema.optional() }),
  body: sessionReleaseRequestSchema,
  status: 200,
  response: sessionReleaseResponseSchema,
});

export const sessionStatusRoute = defineEndpoint({
  operationId: 'getSessionStatus',
  method: 'GET',
  path: '/gateway/session/status',
  summary: "Reconnect preflight: the session's state",
  tag: 'sessions',
  security: ['bearer'],
  headers: sessionIdHeaderSchema,
  status: 200,
  response: sessionStatusResponseSchema,
});

/**
 * A streamer tells the gateway its session is over (idle timeout, time limit, licence, the application quit),
 * so the gateway frees the slot and the reconnect preflight can say why. X-Backend-Token required.
 */
export const sessionEndedRoute = defineEndpoint({
  operationId: 'reportSessionEnded',
  method: 'POST',
  path: '/gateway/session/ended',
  summary: 'A streamer reports that its session is over, and why',
  tag: 'sessions',
  security: ['backendToken'],
  body: sessionEndedRequestSchema,
  status: 200,
  response: sessionEndedResponseSchema,
});
