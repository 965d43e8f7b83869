import { z } from 'zod';

export interface CloseCodeEntry {
  readonly code: number;
  /** Stable slug sent as the WebSocket close reason (the protocol allows at most 123 bytes). */
  readonly reason: string;
  /** Text the browser can show the user. */
  readonly message: string;
  /** Whether the client may run the reconnect preflight (GET /gateway/session/status) and try again. */
  readonly reconnect: boolean;
}

export const closeCodes = {
  NORMAL: { code: 1000, reason: 'normal', message: 'The session was closed.', reconnect: false },
  GOING_AWAY: {
    code: 1001,
    reason: 'going-away',
    message: 'The host is shutting down. Reconnecting…',
    reconnect: true,
  },
  INVALID_PAYLOAD: {
    code: 1007,
    reason: 'invalid-payload',
    message: 'The connection received a message it could not understand.',
    reconnect: false,
  },
  POLICY_VIOLATION: {
    code: 1008,
    reason: 'policy-violation',
    message: 'The connection was closed because it broke the connection rules.',
    reconnect: false,
  },
  MESSAGE_TOO_BIG: {
    code: 1009,
    reason: 'message-too-big',
    message: 'A message was too large to be accepted.',
    reconnect: false,
  },
  INTERNAL: {
    code: 1011,
    reason: 'internal-error',
    message: 'Something went wrong on the server. Reconnecting…',
    reconnect: true,
  },
  TRY_AGAIN_LATER: {
    code: 1013,
    reason: 'try-again-later',
    message: 'The service is busy. Please try again shortly.',
    reconnect: true,
  },
  // Seed 003: when the upstream cannot be reached the upgrade ends with a close code and reason, not an HTTP error.
  BAD_GATEWAY: {
    code: 1014,
    reason: 'upstream-unreachable',
    message: 'The session host could not be reached.',
    reconnect: true,
  },
  UNAUTHORIZED: {
    code: 4001,
    reason: 'unauthorized',
    message: 'Your connection ticket is invalid or has expired.',
    reconnect: true,
  },
  FORBIDDEN: {
    code: 4003,
    reason: 'forbidden',
    message: 'You are not allowed to connect to this session.',
    reconnect: false,
  },
  SESSION_NOT_FOUND: {
    code: 4004,
    reason: 'session-not-found',
    message: 'The session no longer exists.',
    reconnect: false,
  },
  IDLE_TIMEOUT: {
    code: 4008,
    reason: 'idle-timeout',
    message: 'The session ended because it was idle for too long.',
    reconnect: false,
  },
  LICENCE_CAPACITY_REACHED: {
    code: 4009,
    reason: 'licence-capacity-reached',
    message: 'All licensed sessions are in use. Please try again later.',
    reconnect: false,
  },
  LICENCE_INVALID: {
    code: 4010,
    reason: 'licence-invalid',
    message: 'No valid licence is available for this session.',
    reconnect: false,
  },
  MAX_SESSION_DURATION: {
    code: 4011,
    reason: 'max-session-duration',
    message: 'The session reached its maximum duration.',
    reconnect: false,
  },
  SESSION_ENDED: {
    code: 4012,
    reason: 'session-ended',
    message: 'The session has ended.',
    reconnect: false,
  },
  HOST_LOST: {
    code: 4013,
    reason: 'host-lost',
    message: 'The connection to the session host was lost. Reconnecting…',
    reconnect: true,
  },
  POLICY_REFUSAL: {
    code: 4014,
    reason: 'policy-refusal',
    message: 'Your workspace policy does not allow this.',
    reconnect: false,
  },
  ADMIN_DISCONNECT: {
    code: 4015,
    reason: 'admin-disconnect',
    message: 'An administrator ended this session.',
    reconnect: false,
  },
  RATE_LIMITED: {
    code: 4029,
    reason: 'rate-limited',
    message: 'Too many requests. Please wait a moment.',
    reconnect: true,
  },
} as const satisfies Record<string, CloseCodeEntry>;

export type CloseCodeName = keyof typeof closeCodes;
export type CloseCode = (typeof closeCodes)[CloseCodeName]['code'];
export type CloseReason = (typeof closeCodes)[CloseCodeName]['reason'];
/** An entry of the table, with its literal code and reason. */
export type KnownCloseEntry = (typeof closeCodes)[CloseCodeName];

const entries: readonly CloseCodeEntry[] = Object.values(closeCodes);

export const closeReasonSchema = z.enum(
  Object.values(closeCodes).map((entry) => entry.reason) as [CloseReason, ...CloseReason[]],
);

const byCode = new Map<number, CloseCodeEntry>(entries.map((entry) => [entry.code, entry]));
const byReason = new Map<string, KnownCloseEntry>(
  Object.values(closeCodes).map((entry) => [entry.reason, entry]),
);

// 1006 is never sent (the browser reports it when the socket drops without a close frame) but must be explained.
const connectionLost: CloseCodeEntry = {
  code: 1006,
  reason: 'connection-lost',
  message: 'The connection was lost. Reconnecting…',
  reconnect: true,
};

/** Always returns something displayable: codes outside the table get a generic entry carrying the code. */
export function closeReasonForCode(code: number): CloseCodeEntry {
  const known = byCode.get(code);
  if (known) return known;
  if (code === connectionLost.code) return connectionLost;
  return {
    code,
    reason: 'unknown',
    message: `The connection closed unexpectedly (code ${code}).`,
    reconnect: true,
  };
}

export function closeEntryForReason(reason: CloseReason): KnownCloseEntry {
  const entry = byReason.get(reason);
  if (!entry) throw new Error(`Unknown close reason: ${reason}`);
  return entry;
}

export function isKnownCloseCode(code: number): code is CloseCode {
  return byCode.has(code);
}
