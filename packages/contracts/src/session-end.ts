import { z } from 'zod';
import { closeReasonSchema } from './close-codes';
import { sessionIdSchema } from './session';
import { defineEndpoint } from './endpoint';

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

export const streamerEndRequestSchema = z.strictObject({ reason: closeReasonSchema });
export type StreamerEndRequest = z.infer<typeof streamerEndRequestSchema>;
export const streamerEndResponseSchema = z.object({ ended: z.literal(true) });
export type StreamerEndResponse = z.infer<typeof streamerEndResponseSchema>;

/**
 * The gateway ended a session (its user released it, an admin disconnected it): it asks the session's host to
 * end it too. X-Backend-Token required.
 */
export const hostSessionEndRoute = defineEndpoint({
  operationId: 'endHostSession',
  method: 'POST',
  path: '/session/end',
  summary: 'The gateway ended a session: the host ends it too',
  tag: 'sessions',
  security: ['backendToken'],
  body: hostSessionEndRequestSchema,
  status: 200,
  response: hostSessionEndResponseSchema,
});

/**
 * The session host passes the end on to the session's streamer, which tells its clients why (the close code
 * of the reason) before it exits. Only its session host, which holds the streamer's secret, may ask.
 */
export const streamerEndRoute = defineEndpoint({
  operationId: 'endStreamerSession',
  method: 'POST',
  path: '/streamer/end',
  summary: "End the streamer's session: its clients hear why, then it exits",
  tag: 'session',
  security: ['streamerSecret'],
  body: streamerEndRequestSchema,
  status: 200,
  response: streamerEndResponseSchema,
});
