import { closeCodes, type SessionStatusResponse } from '@webstream/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../src/api/http';
import {
  backoffMs,
  connectionErrorMessage,
  decideReconnect,
  describeClose,
  retryDelayMs,
} from '../../src/session/close-reasons';

describe('describeClose', () => {
  it.each([
    [4008, 'idle'],
    [4009, 'licensed'],
    [4010, 'licence'],
    [4011, 'maximum duration'],
    [4012, 'ended'],
    [4014, 'policy'],
    [4015, 'administrator'],
  ])('%i is final and explained', (code, words) => {
    const outcome = describeClose(code);
    expect(outcome.reconnect).toBe(false);
    expect(outcome.message).toContain(words);
  });

  it.each([1001, 1006, 1011, 1013, 1014, 4001, 4013, 4029])('%i reconnects', (code) => {
    expect(describeClose(code).reconnect).toBe(true);
  });

  it('explains a code outside the table and still tries again', () => {
    const outcome = describeClose(4999);
    expect(outcome.reconnect).toBe(true);
    expect(outcome.message).toContain('4999');
  });

  it('keeps the server message sent before the close as detail', () => {
    const outcome = describeClose(closeCodes.ADMIN_DISCONNECT.code, {
      type: 'error',
      code: 'admin-disconnect',
      message: 'maintenance at 18:00',
    });
    expect(outcome).toMatchObject({
      reason: 'admin-disconnect',
      reconnect: false,
      detail: 'maintenance at 18:00',
    });
  });

  it('takes the reason of a preceding error message when the socket dropped without a close frame', () => {
    const outcome = describeClose(1006, {
      type: 'error',
      code: 'idle-timeout',
      message: 'idle for 30 minutes',
    });
    expect(outcome.reason).toBe('idle-timeout');
    expect(outcome.reconnect).toBe(false);
  });
});

describe('decideReconnect', () => {
  const status = (overrides: Partial<SessionStatusResponse>): SessionStatusResponse => ({
    sessionId: 'session-1',
    state: 'active',
    backendReachable: true,
    ...overrides,
  });

  it('connects again to a running session', () => {
    expect(decideReconnect(status({ state: 'active' }), true)).toEqual({ action: 'connect' });
    expect(decideReconnect(status({ state: 'reserved' }), false)).toEqual({ action: 'connect' });
  });

  it('stops with the ended reason of an ended session', () => {
    const decision = decideReconnect(status({ state: 'ended', endedReason: 'max-session-duration' }), true);
    expect(decision).toEqual({
      action: 'stop',
      message: closeCodes.MAX_SESSION_DURATION.message,
      reason: 'max-session-duration',
    });
    expect(decideReconnect(status({ state: 'ended' }), true).action).toBe('stop');
  });

  it('selects again when the gateway forgot the session, if the launch request is known', () => {
    expect(decideReconnect(status({ state: 'none', backendReachable: false }), true)).toEqual({
      action: 'select',
    });
    expect(decideReconnect(status({ state: 'none', backendReachable: false }), false).action).toBe('stop');
  });

  it('waits while the backend is unreachable', () => {
    expect(decideReconnect(status({ state: 'active', backendReachable: false }), true).action).toBe('wait');
  });
});

describe('backoffMs', () => {
  it('doubles per attempt within ±25 % and is capped', () => {
    expect(backoffMs(0, () => 0.5)).toBe(1000);
    expect(backoffMs(3, () => 0.5)).toBe(8000);
    expect(backoffMs(3, () => 0)).toBe(6000);
    expect(backoffMs(3, () => 1)).toBe(10_000);
    expect(backoffMs(30, () => 0.5)).toBe(20_000);
  });
});

describe('retryDelayMs', () => {
  afterEach(() => vi.restoreAllMocks());

  it("waits the backoff, or the server's Retry-After when that is longer", () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    expect(retryDelayMs(2, new Error('offline'))).toBe(4000);
    expect(retryDelayMs(2, new ApiError(503, 'Unavailable', [], 1))).toBe(4000);
    expect(retryDelayMs(2, new ApiError(429, 'Too many requests', [], 30))).toBe(30_000);
    expect(retryDelayMs(2, new ApiError(429, 'Too many requests'))).toBe(4000);
  });
});

describe('connectionErrorMessage', () => {
  it('tells an unreachable gateway, a rate limit and an unreachable host apart from other refusals', () => {
    expect(connectionErrorMessage(new TypeError('Failed to fetch'))).toBe(
      'The gateway cannot be reached. Reconnecting…',
    );
    expect(connectionErrorMessage(new ApiError(429, 'Too many'))).toBe(
      'Too many requests. Reconnecting shortly…',
    );
    for (const status of [502, 503, 504])
      expect(connectionErrorMessage(new ApiError(status, 'Bad gateway'))).toBe(
        'The session host could not be reached. Reconnecting…',
      );
    expect(connectionErrorMessage(new ApiError(500, 'Internal error'))).toBe('Internal error. Reconnecting…');
  });
});
