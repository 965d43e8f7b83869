import { z } from 'zod';
import { httpUrlSchema, isoDateTimeSchema, portSchema } from './common';
import { streamerGuidSchema } from './licence';
import { sessionIdHeaderSchema, sessionIdSchema } from './session';
import { STREAMER_SECRET_HEADER, streamerSecretSchema } from './streamer-launch';
import { defineEndpoint } from './endpoint';
import { workspaceHeadersSchema } from './workspace-headers';

export const CAPTURE_PATH = '/capture';
export const CONTROL_PATH = '/control';
export const AUDIO_PATH = '/audio';

/** Browsers cannot set headers on a WebSocket upgrade, so the ticket travels as this query parameter. */
export const WS_TICKET_QUERY_PARAM = 'ticket';

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
  /**
   * Where to open the sockets, in the redirect topology: the gateway beside the session's host. Absent, they
   * open at the gateway that answered.
   */
  gatewayUrl: httpUrlSchema.optional(),
});
export type GetConnectionResponse = z.infer<typeof getConnectionResponseSchema>;

export const getConnectionRoute = defineEndpoint({
  operationId: 'getConnection',
  method: 'GET',
  path: '/getConnection',
  summary: "Proxied to the session's backend: the streamer's connection details and a WebSocket ticket",
  description:
    'The gateway injects the workspace contract headers (X-Workspace-ID … X-Policy-JSON); the tickets open ' +
    '/capture, /control and /audio once each.',
  tag: 'sessions',
  security: ['bearer'],
  headers: sessionIdHeaderSchema,
  status: 200,
  response: getConnectionResponseSchema,
  errors: { 404: 'No such session, or it has ended', 502: 'The session host could not be reached' },
});

/**
 * The same path on the session host, called by the gateway only: the workspace contract travels as headers
 * (decoded and checked in full by decodeWorkspaceHeaders), and the answer is where the session's streamer
 * listens, started if it does not run yet.
 */
export const hostGetConnectionRoute = defineEndpoint({
  operationId: 'getStreamerConnection',
  method: 'GET',
  path: '/getConnection',
  summary: "The session's streamer, started if it does not run yet",
  tag: 'sessions',
  security: ['backendToken'],
  headers: workspaceHeadersSchema.extend(sessionIdHeaderSchema.shape),
  status: 200,
  response: streamerConnectionSchema,
  errors: { 503: 'The host cannot start the session now (full, draining, or its sandbox cannot run)' },
  retryAfterOn: [503],
});

/** The paths of a streamer's sockets, which the gateway opens on the browser's behalf. */
export const STREAMER_SOCKET_PATHS = [CAPTURE_PATH, CONTROL_PATH, AUDIO_PATH] as const;
export type StreamerSocketPath = (typeof STREAMER_SOCKET_PATHS)[number];

/**
 * What the gateway presents when it opens one of a session's sockets on the streamer, by lower-case header
 * name: the workspace contract, the session and the streamer's secret. An upgrade is no operation an OpenAPI
 * document or a Pact HTTP interaction can hold (neither answers 101), so this schema is the contract both
 * sides test against: the gateway's stand-in streamer parses every upgrade with it, and the streamer's tests
 * open sockets with exactly it.
 */
export const streamerUpgradeHeadersSchema = workspaceHeadersSchema
  .extend(sessionIdHeaderSchema.shape)
  .extend({ [STREAMER_SECRET_HEADER]: streamerSecretSchema });
export type StreamerUpgradeHeaders = z.infer<typeof streamerUpgradeHeadersSchema>;

/** How a streamer refuses an upgrade: an HTTP status before any WebSocket frame, with the error envelope. */
export const streamerUpgradeRefusals = {
  401: 'The streamer secret is missing or wrong',
  403: 'The session or user is not the one this streamer serves',
  404: 'No socket at this path',
  410: 'The session has ended',
} as const;
