import { describe, it, expect } from 'vitest';
import {
  closeCodes,
  closeEntryForReason,
  closeReasonForCode,
  closeReasonSchema,
  isKnownCloseCode,
} from './close-codes';

const entries = Object.values(closeCodes);
// Reserved by RFC 6455: never sent in a close frame.
const reservedCodes = [1004, 1005, 1006, 1015];

describe('close codes', () => {
  it('uses only sendable codes in 1000-4999', () => {
    for (const { code } of entries) {
      expect(code).toBeGreaterThanOrEqual(1000);
      expect(code).toBeLessThanOrEqual(4999);
      expect(reservedCodes).not.toContain(code);
    }
  });

  it('has unique codes and unique reasons', () => {
    expect(new Set(entries.map((e) => e.code)).size).toBe(entries.length);
    expect(new Set(entries.map((e) => e.reason)).size).toBe(entries.length);
  });

  it('keeps reasons within the 123-byte WebSocket limit, as lower-case slugs', () => {
    const encoder = new TextEncoder();
    for (const { reason, message } of entries) {
      expect(encoder.encode(reason).length).toBeLessThanOrEqual(123);
      expect(reason).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(message.length).toBeGreaterThan(0);
    }
  });

  it('has the agreed codes', () => {
    expect({
      NORMAL: closeCodes.NORMAL.code,
      GOING_AWAY: closeCodes.GOING_AWAY.code,
      POLICY_VIOLATION: closeCodes.POLICY_VIOLATION.code,
      INTERNAL: closeCodes.INTERNAL.code,
      TRY_AGAIN_LATER: closeCodes.TRY_AGAIN_LATER.code,
      BAD_GATEWAY: closeCodes.BAD_GATEWAY.code,
      UNAUTHORIZED: closeCodes.UNAUTHORIZED.code,
      FORBIDDEN: closeCodes.FORBIDDEN.code,
      SESSION_NOT_FOUND: closeCodes.SESSION_NOT_FOUND.code,
      IDLE_TIMEOUT: closeCodes.IDLE_TIMEOUT.code,
      LICENCE_CAPACITY_REACHED: closeCodes.LICENCE_CAPACITY_REACHED.code,
      LICENCE_INVALID: closeCodes.LICENCE_INVALID.code,
      MAX_SESSION_DURATION: closeCodes.MAX_SESSION_DURATION.code,
      SESSION_ENDED: closeCodes.SESSION_ENDED.code,
      HOST_LOST: closeCodes.HOST_LOST.code,
      POLICY_REFUSAL: closeCodes.POLICY_REFUSAL.code,
      RATE_LIMITED: closeCodes.RATE_LIMITED.code,
    }).toEqual({
      NORMAL: 1000,
      GOING_AWAY: 1001,
      POLICY_VIOLATION: 1008,
      INTERNAL: 1011,
      TRY_AGAIN_LATER: 1013,
      BAD_GATEWAY: 1014,
      UNAUTHORIZED: 4001,
      FORBIDDEN: 4003,
      SESSION_NOT_FOUND: 4004,
      IDLE_TIMEOUT: 4008,
      LICENCE_CAPACITY_REACHED: 4009,
      LICENCE_INVALID: 4010,
      MAX_SESSION_DURATION: 4011,
      SESSION_ENDED: 4012,
      HOST_LOST: 4013,
      POLICY_REFUSAL: 4014,
      RATE_LIMITED: 4029,
    });
    expect(closeCodes.BAD_GATEWAY.reason).toBe('upstream-unreachable');
  });

  it('looks entries up by code and by reason', () => {
    for (const entry of entries) {
      expect(closeReasonForCode(entry.code)).toBe(entry);
      expect(closeEntryForReason(entry.reason)).toBe(entry);
      expect(isKnownCloseCode(entry.code)).toBe(true);
    }
    expect(closeReasonSchema.options).toEqual(entries.map((e) => e.reason));
  });

  it('explains codes outside the table instead of returning nothing', () => {
    expect(closeReasonForCode(1006)).toMatchObject({
      code: 1006,
      reason: 'connection-lost',
      reconnect: true,
    });
    expect(closeReasonForCode(4999)).toMatchObject({ code: 4999, reason: 'unknown' });
    expect(closeReasonForCode(4999).message).toContain('4999');
    expect(isKnownCloseCode(1006)).toBe(false);
  });

  it('lets the browser reconnect after transient closes only', () => {
    expect(closeCodes.HOST_LOST.reconnect).toBe(true);
    expect(closeCodes.BAD_GATEWAY.reconnect).toBe(true);
    expect(closeCodes.LICENCE_CAPACITY_REACHED.reconnect).toBe(false);
    expect(closeCodes.SESSION_ENDED.reconnect).toBe(false);
    expect(closeCodes.FORBIDDEN.reconnect).toBe(false);
  });
});
