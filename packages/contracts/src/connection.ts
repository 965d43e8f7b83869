import { z } from 'zod';
import { isoDateTimeSchema, portSchema, type RouteDefinition } from './common';
import { streamerGuidSchema } from './licence';
import { sessionIdSchema } from './session';
import { streamerSecretSchema } from './streamer-launch';

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

/**
 * The session host's answer to /getConnection (reached only through the gateway): where the session's
 * streamer listens and the secret that opens it. The gateway keeps all three to itself: it routes the WebSockets
 * there and presents the secret (STREAMER_SECRET_HEADER), which neither the browser nor the session ever sees.
 */
export const streamerConnectionSchema = z.object({
  sessionId: sessionIdSchema,
  streamerGuid: streamerGuidSchema,
  host: z.string().min(1).max(253),
  port: portSchema,
  streamerSecret: streamerSecretSchema,
  paths: connectionPathsSchema,
});
export type StreamerConnection = z.infer<typeof streamerConnectionSchema>;

export const wsTicketSchema = z.string().min(16).max(1024);

/**
 * The gateway's answer to the browser: the WebSocket paths on the gateway itself and one short-lived,
 * single-use ticket per socket (sent as ?ticket=), each bound to this session, its user and its path.
 */
export const getConnectionResponseSchema = z.object({
  sessionId: sessionIdSchema,
  streamerGuid: streamerGuidSchema,
  paths: connectionPathsSchema,
  tickets: z.object({ capture: wsTicketSchema, control: wsTicketSchema, audio: wsTicketSchema }),
  ticketExpiresAt: isoDateTimeSchema,
});
export type GetConnectionResponse = z.infer<typeof getConnectionResponseSchema>;
