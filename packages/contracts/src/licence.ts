import { z } from 'zod';
import { defineEndpoint } from './endpoint';

// The seed spells the paths "license"; everywhere else the domain word is "licence".

export const STREAMER_CHECKIN_INTERVAL_SECONDS = 15;

export const streamerGuidSchema = z.uuid();

export const streamerCheckinRequestSchema = z.strictObject({ streamerGuid: streamerGuidSchema });
export type StreamerCheckinRequest = z.infer<typeof streamerCheckinRequestSchema>;

export const streamerCheckinResponseSchema = z.object({
  status: z.literal('ok'),
  activeStreamers: z.int().min(0),
  licensedSessions: z.int().min(0),
});
export type StreamerCheckinResponse = z.infer<typeof streamerCheckinResponseSchema>;

export const checkinOutcomeSchema = z.enum(['licensed', 'licence-invalid', 'capacity-reached']);
export type CheckinOutcome = z.infer<typeof checkinOutcomeSchema>;

/** 403: no valid licence. 409: the licensed session cap is reached and the streamer must end. */
export const checkinOutcome = {
  200: 'licensed',
  403: 'licence-invalid',
  409: 'capacity-reached',
} as const satisfies Record<number, CheckinOutcome>;
export type CheckinStatus = keyof typeof checkinOutcome;

/**
 * undefined means the answer is not a licence decision (a 5xx, a proxy error): the streamer keeps running
 * and checks in again rather than ending the session over a gateway hiccup.
 */
export function checkinOutcomeForStatus(status: number): CheckinOutcome | undefined {
  switch (status) {
    case 200:
    case 403:
    case 409:
      return checkinOutcome[status];
    default:
      return undefined;
  }
}

export const streamerCheckoutRequestSchema = z.strictObject({ streamerGuid: streamerGuidSchema });
export type StreamerCheckoutRequest = z.infer<typeof streamerCheckoutRequestSchema>;

export const streamerCheckoutResponseSchema = z.object({
  success: z.boolean(),
  activeStreamers: z.int().min(0),
});
export type StreamerCheckoutResponse = z.infer<typeof streamerCheckoutResponseSchema>;

export const streamerCheckinRoute = defineEndpoint({
  operationId: 'streamerCheckin',
  method: 'POST',
  path: '/gateway/license/streamer-checkin',
  summary: "A streamer's licence check-in (every 15 s)",
  tag: 'licence',
  security: ['backendToken'],
  body: streamerCheckinRequestSchema,
  status: 200,
  response: streamerCheckinResponseSchema,
  errors: {
    403: 'No valid licence',
    409: 'The licensed session cap is reached: the streamer must end',
  },
});

export const streamerCheckoutRoute = defineEndpoint({
  operationId: 'streamerCheckout',
  method: 'POST',
  path: '/gateway/license/streamer-checkout',
  summary: 'A streamer checks out (logoff or exit)',
  tag: 'licence',
  security: ['backendToken'],
  body: streamerCheckoutRequestSchema,
  status: 200,
  response: streamerCheckoutResponseSchema,
});
