import { MatchersV3 } from '@pact-foundation/pact';
import {
  BACKEND_TOKEN_HEADER,
  checkinOutcomeForStatus,
  sessionEndedRoute,
  streamerCheckinResponseSchema,
  streamerCheckinRoute,
  streamerCheckoutResponseSchema,
  streamerCheckoutRoute,
} from '@webstream/contracts';
import { createHttpClient, EndpointClient } from '@webstream/service-kit';
import { consumerPact } from '@webstream/testing/contracts';
import { describe, expect, it } from 'vitest';

const { like } = MatchersV3;

const TOKEN = 'streamer-test-backend-token-0123456789';
const STREAMER_GUID = '6f1c2b8e-4d3a-4c5b-9e7f-0a1b2c3d4e5f';
const backendToken = { [BACKEND_TOKEN_HEADER]: like(TOKEN) };

/** The calls LicenceSeat makes, by the same endpoint definitions, with the gateway's credential. */
function gatewayAt(url: string) {
  const client = new EndpointClient(
    createHttpClient({
      baseURL: url,
      timeout: 5_000,
      headers: { [BACKEND_TOKEN_HEADER]: TOKEN },
    }),
  );
  return client;
}

describe('pact: streamer → gateway', () => {
  const contract = consumerPact('streamer-agent', 'gateway');

  it('checks its licence seat in while the licence has room', () =>
    contract.pact
      .addInteraction()
      .given('the licence has room')
      .uponReceiving("a streamer's licence check-in")
      .withRequest('POST', streamerCheckinRoute.path, (request) =>
        request.headers(backendToken).jsonBody({ streamerGuid: STREAMER_GUID }),
      )
      .willRespondWith(200, (response) =>
        response.jsonBody(
          like(
            streamerCheckinResponseSchema.parse({ status: 'ok', activeStreamers: 1, licensedSessions: 3 }),
          ),
        ),
      )
      .executeTest(async (mock) => {
        const answer = await gatewayAt(mock.url).answer(streamerCheckinRoute, {
          body: { streamerGuid: STREAMER_GUID },
        });
        expect(checkinOutcomeForStatus(answer.status)).toBe('licensed');
      }));

  it('hears 409 when every licensed seat is taken, and ends its session', () =>
    contract.pact
      .addInteraction()
      .given('every licensed seat is taken')
      .uponReceiving("a streamer's check-in beyond the licence")
      .withRequest('POST', streamerCheckinRoute.path, (request) =>
        request.headers(backendToken).jsonBody({ streamerGuid: STREAMER_GUID }),
      )
      .willRespondWith(409, (response) =>
        response.jsonBody({ error: like({ status: 409, code: 'conflict', message: 'every seat is taken' }) }),
      )
      .executeTest(async (mock) => {
        const answer = await gatewayAt(mock.url).answer(streamerCheckinRoute, {
          body: { streamerGuid: STREAMER_GUID },
        });
        expect(checkinOutcomeForStatus(answer.status)).toBe('capacity-reached');
      }));

  it('checks out at exit', () =>
    contract.pact
      .addInteraction()
      .given('the licence has room')
      .uponReceiving("a streamer's licence check-out")
      .withRequest('POST', streamerCheckoutRoute.path, (request) =>
        request.headers(backendToken).jsonBody({ streamerGuid: STREAMER_GUID }),
      )
      .willRespondWith(200, (response) =>
        response.jsonBody(like(streamerCheckoutResponseSchema.parse({ success: true, activeStreamers: 0 }))),
      )
      .executeTest(async (mock) => {
        const answer = await gatewayAt(mock.url).call(streamerCheckoutRoute, {
          body: { streamerGuid: STREAMER_GUID },
        });
        expect(typeof answer.success).toBe('boolean');
      }));

  it('reports why its session ended', () =>
    contract.pact
      .addInteraction()
      .given('the licence has room')
      .uponReceiving('a streamer reporting the end of its session')
      .withRequest('POST', sessionEndedRoute.path, (request) =>
        request
          .headers(backendToken)
          .jsonBody({ sessionId: 'sess-pact-idle', streamerGuid: STREAMER_GUID, reason: 'idle-timeout' }),
      )
      .willRespondWith(200, (response) => response.jsonBody({ ended: like(false) }))
      .executeTest(async (mock) => {
        const answer = await gatewayAt(mock.url).call(sessionEndedRoute, {
          body: { sessionId: 'sess-pact-idle', streamerGuid: STREAMER_GUID, reason: 'idle-timeout' },
        });
        expect(typeof answer.ended).toBe('boolean');
      }));

  it('writes the pact gateway verifies, and it is the committed one', () => contract.isCommitted());
});
