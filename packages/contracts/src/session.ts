import { z } from 'zod';
import { closeReasonSchema } from './close-codes';
import {
  appArgsSchema,
  appExeSchema,
  entityIdSchema,
  isoDateTimeSchema,
  workspaceTypeSchema,
  type RouteDefinition,
} from './common';
import { streamerGuidSchema } from './licence';

/** Lower-case because Node lower-cases incoming header names. */
export const SESSION_ID_HEADER = 'x-session-id';

export const sessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,128}$/, 'Session ids are 8-128 characters of A-Z, a-z, 0-9, "_" and "-"');
export type SessionId = z.infer<typeof sessionIdSchema>;

export const sessionStateSchema = z.enum(['none', 'reserved', 'connecting', 'active', 'ended']);
export type SessionState = z.infer<typeof sessionStateSchema>;

export const sessionSelectRoute = {
  method: 'POST',
  path: '/gateway/session/select',
} as const satisfies RouteDefinition;
export const sessionReleaseRoute = {
  method: 'POST',
  path: '/gateway/session/release',
} as const satisfies RouteDefinition;
export const sessionStatusRoute = {
  method: 'GET',
  path: '/gateway/session/status',
} as const satisfies RouteDefinition;

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

/**
 * A streamer tells the gateway its session is over (idle timeout, time limit, licence, the application quit),
 * so the gateway frees the slot and the reconnect preflight can say why. X-Backend-Token required.
 */
export const sessionEndedRoute = {
  method: 'POST',
  path: '/gateway/session/ended',
} as const satisfies RouteDefinition;

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
