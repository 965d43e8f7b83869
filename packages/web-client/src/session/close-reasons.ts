import {
  closeEntryForReason,
  closeReasonForCode,
  closeReasonSchema,
  type SessionStatusResponse,
  type WsErrorMessage,
} from '@webstream/contracts';
import { ApiError } from '../api/http';

export interface CloseOutcome {
  code: number;
  reason: string;
  /** What the user is told. */
  message: string;
  /** The server's own words from an error message sent just before the close, when they add something. */
  detail?: string;
  reconnect: boolean;
}

/**
 * Why a socket closed, for the user: the close code's entry, or — when the socket dropped without a close
 * frame (1006) right after the server explained itself in an error message — that message's entry.
 */
export function describeClose(code: number, lastError?: WsErrorMessage): CloseOutcome {
  let entry = closeReasonForCode(code);
  if (code === 1006 && lastError !== undefined) {
    const reason = closeReasonSchema.safeParse(lastError.code);
    if (reason.success) entry = closeEntryForReason(reason.data);
  }
  const detail = lastError?.message.trim();
  return {
    code: entry.code,
    reason: entry.reason,
    message: entry.message,
    ...(detail && detail !== entry.message ? { detail } : {}),
    reconnect: entry.reconnect,
  };
}

export type ReconnectDecision =
  | { action: 'connect' }
  | { action: 'select' }
  | { action: 'wait'; message: string }
  | { action: 'stop'; message: string; reason?: string };

/**
 * The reconnect preflight: what GET /gateway/session/status says to do next. `canSelect` is whether the
 * page still has the launch request to select the session again when the gateway has forgotten it.
 */
export function decideReconnect(status: SessionStatusResponse, canSelect: boolean): ReconnectDecision {
  switch (status.state) {
    case 'ended':
      return status.endedReason === undefined
        ? { action: 'stop', message: 'The session has ended.' }
        : {
            action: 'stop',
            message: closeEntryForReason(status.endedReason).message,
            reason: status.endedReason,
          };
    case 'none':
      return canSelect
        ? { action: 'select' }
        : { action: 'stop', message: 'The session no longer exists. Launch the application again.' };
    case 'reserved':
    case 'connecting':
    case 'active':
      return status.backendReachable
        ? { action: 'connect' }
        : { action: 'wait', message: 'The session host cannot be reached right now. Retrying…' };
  }
}

export const MAX_RECONNECT_ATTEMPTS = 8;

/** Exponential backoff with ±25 % jitter: about 1, 2, 4, 8, 16 s, then 20 s at most. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(20_000, 1000 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** The backoff, or the server's Retry-After when that is longer. */
export function retryDelayMs(attempt: number, error: unknown): number {
  const retryAfter = error instanceof ApiError ? (error.retryAfterSeconds ?? 0) * 1000 : 0;
  return Math.max(backoffMs(attempt), retryAfter);
}

export function connectionErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return 'The gateway cannot be reached. Reconnecting…';
  if (error.status === 429) return 'Too many requests. Reconnecting shortly…';
  if (error.status === 502 || error.status === 503 || error.status === 504) {
    return 'The session host could not be reached. Reconnecting…';
  }
  return `${error.message}. Reconnecting…`;
}
