import { describe, it, expect } from 'vitest';
import {
  STREAMER_CHECKIN_INTERVAL_SECONDS,
  checkinOutcome,
  checkinOutcomeForStatus,
  streamerCheckinRequestSchema,
  streamerCheckinResponseSchema,
  streamerCheckinRoute,
  streamerCheckoutRequestSchema,
  streamerCheckoutResponseSchema,
  streamerCheckoutRoute,
} from './licence';

const streamerGuid = '3f2b8c1e-6a4d-4e2f-9b7a-1c0d5e6f7a8b';

describe('licence check-in', () => {
  it('keeps the seed spelling of the paths and the 15 s interval', () => {
    expect(streamerCheckinRoute).toMatchObject({ method: 'POST', path: '/gateway/license/streamer-checkin' });
    expect(streamerCheckoutRoute).toMatchObject({
      method: 'POST',
      path: '/gateway/license/streamer-checkout',
    });
    expect(STREAMER_CHECKIN_INTERVAL_SECONDS).toBe(15);
  });

  it('accepts { streamerGuid } and rejects a non-uuid or extra field', () => {
    expect(streamerCheckinRequestSchema.parse({ streamerGuid })).toEqual({ streamerGuid });
    expect(
      streamerCheckinRequestSchema.safeParse({ streamerGuid: 'streamer-1' }).error?.issues[0]?.path,
    ).toEqual(['streamerGuid']);
    expect(streamerCheckinRequestSchema.safeParse({ streamerGuid, sessionId: 'x' }).success).toBe(false);
  });

  it('parses the 200 body', () => {
    const body = { status: 'ok', activeStreamers: 4, licensedSessions: 10 };
    expect(streamerCheckinResponseSchema.parse(body)).toEqual(body);
    expect(
      streamerCheckinResponseSchema.safeParse({ ...body, activeStreamers: -1 }).error?.issues[0]?.path,
    ).toEqual(['activeStreamers']);
  });

  it('maps status codes to outcomes', () => {
    expect(checkinOutcome).toEqual({ 200: 'licensed', 403: 'licence-invalid', 409: 'capacity-reached' });
    expect(checkinOutcomeForStatus(200)).toBe('licensed');
    expect(checkinOutcomeForStatus(403)).toBe('licence-invalid');
    expect(checkinOutcomeForStatus(409)).toBe('capacity-reached');
  });

  it('does not turn a gateway error into a licence decision', () => {
    expect(checkinOutcomeForStatus(500)).toBeUndefined();
    expect(checkinOutcomeForStatus(502)).toBeUndefined();
    expect(checkinOutcomeForStatus(404)).toBeUndefined();
  });
});

describe('licence check-out', () => {
  it('accepts { streamerGuid } and parses { success, activeStreamers }', () => {
    expect(streamerCheckoutRequestSchema.safeParse({ streamerGuid }).success).toBe(true);
    expect(streamerCheckoutResponseSchema.parse({ success: true, activeStreamers: 3 })).toEqual({
      success: true,
      activeStreamers: 3,
    });
  });

  it('rejects a fractional activeStreamers', () => {
    expect(
      streamerCheckoutResponseSchema.safeParse({ success: true, activeStreamers: 1.5 }).error?.issues[0]
        ?.path,
    ).toEqual(['activeStreamers']);
  });
});
