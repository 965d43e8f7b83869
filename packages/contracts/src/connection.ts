import { z } from 'zod';
import { isoDateTimeSchema, portSchema, type RouteDefinition } from './common';
import { streamerGuidSchema } from './licence';
import { sessionIdSchema } from './session';

export const CAPTURE_PATH = '/capture';
export const CONTROL_PATH = '/control';
export const AUDIO_PATH = '/audio';

/** Browsers cannot set headers on a WebSocket upgrade, so the ticket travels as this query parameter. */
export const WS_TICKET_QUERY_PARAM = 'ticket';

export const getConnectionRoute = {
  method: 'GET',
  path: '/getConnection',
} as const satisfies RouteDefinition;

export const connectionPathsSchema = z.object({
  capture: z.literal(CAPTURE_PATH),
  control: z.literal(CONTROL_PATH),
  audio: z.literal(AUDIO_PATH),
});
export type ConnectionPaths = z.infer<typeof connectionPathsSchema>;

export const getConnectionResponseSchema = z.object({
  sessionId: sessionIdSchema,
  streamerGuid: streamerGuidSchema,
  host: z.string().min(1).max(253),
  port: portSchema,
  paths: connectionPathsSchema,
  /** Short-lived, single-use ticket bound to the session that authenticates the WebSocket upgrades. */
  ticket: z.string().min(16).max(1024),
  ticketExpiresAt: isoDateTimeSchema,
});
export type GetConnectionResponse = z.infer<typeof getConnectionResponseSchema>;
