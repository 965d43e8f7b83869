import { z } from 'zod';
import { type RouteDefinition } from './common';
import { closeReasonSchema } from './close-codes';
import { sessionIdSchema } from './session';

/**
 * The gateway ended a session (its user released it, an admin disconnected it): it asks the session's host to
 * end it too. X-Backend-Token required.
 */
export const hostSessionEndRoute = {
  method: 'POST',
  path: '/session/end',
} as const satisfies RouteDefinition;
export const hostSessionEndRequestSchema = z.strictObject({
  sessionId: sessionIdSchema,
  reason: closeReasonSchema,
});
export type HostSessionEndRequest = z.infer<typeof hostSessionEndRequestSchema>;
export const hostSessionEndResponseSchema = z.object({
  /** False when the host runs no session of that id. */
  ended: z.boolean(),
});
export type HostSessionEndResponse = z.infer<typeof hostSessionEndResponseSchema>;

/**
 * The session host passes the end on to the session's streamer, which tells its clients why (the close code
 * of the reason) before it exits. X-Backend-Token required.
 */
export const streamerEndRoute = { method: 'POST', path: '/streamer/end' } as const satisfies RouteDefinition;
export const streamerEndRequestSchema = z.strictObject({ reason: closeReasonSchema });
export type StreamerEndRequest = z.infer<typeof streamerEndRequestSchema>;
