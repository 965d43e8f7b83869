import { MatchersV3 } from '@pact-foundation/pact';
import {
  serviceProbeRoutes,
  STREAMER_SECRET_HEADER,
  streamerDrainRoute,
  streamerEndRoute,
} from '@webstream/contracts';
import { createHttpClient, EndpointClient } from '@webstream/service-kit';
import { consumerPact } from '@webstream/testing/contracts';
import { describe, expect, it } from 'vitest';

const { like, regex } = MatchersV3;

const SECRET = 'streamer-secret-'.padEnd(43, 'q');

/** What SessionSupervisor asks of a streamer it started, by the same endpoint definitions. */
function streamerAt(url: string) {
  return {
    client: new EndpointClient(createHttpClient({ baseURL: url, timeout: 5_000 })),
    credentials: { [STREAMER_SECRET_HEADER]: SECRET },
  };
}

describe('pact: session host → streamer', () => {
  const contract = consumerPact('session-host', 'streamer-agent');

  it('waits for a new streamer to be ready', () =>
    contract.pact
      .addInteraction()
      .given('the streamer serves a session')
      .uponReceiving("the host's readiness poll")
      .withRequest('GET', serviceProbeRoutes.ready.path)
      .willRespondWith(200, (response) => response.jsonBody({ status: 'ok' }))
      .executeTest(async (mock) => {
        const { client } = streamerAt(mock.url);
        expect((await client.answer(serviceProbeRoutes.ready, {})).ok).toBe(true);
      }));

  it('asks the streamer to drain by a deadline', () =>
    contract.pact
      .addInteraction()
      .given('the streamer serves a session')
      .uponReceiving('the host draining')
      .withRequest('POST', streamerDrainRoute.path, (request) =>
        request.headers({ [STREAMER_SECRET_HEADER]: like(SECRET) }).jsonBody({ secondsLeft: 300 }),
      )
      .willRespondWith(200, (response) =>
        response.jsonBody({
          endsAt: regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, '2026-12-07T10:05:00.000Z'),
        }),
      )
      .executeTest(async (mock) => {
        const { client, credentials } = streamerAt(mock.url);
        const answer = await client.call(streamerDrainRoute, { body: { secondsLeft: 300 } }, { credentials });
        expect(Date.parse(answer.endsAt)).not.toBeNaN();
      }));

  it('asks the streamer to end its session, saying why', () =>
    contract.pact
      .addInteraction()
      .given('the streamer serves a session')
      .uponReceiving('the host ending the session')
      .withRequest('POST', streamerEndRoute.path, (request) =>
        request.headers({ [STREAMER_SECRET_HEADER]: like(SECRET) }).jsonBody({ reason: 'admin-disconnect' }),
      )
      .willRespondWith(200, (response) => response.jsonBody({ ended: true }))
      .executeTest(async (mock) => {
        const { client, credentials } = streamerAt(mock.url);
        expect(
          await client.call(streamerEndRoute, { body: { reason: 'admin-disconnect' } }, { credentials }),
        ).toEqual({ ended: true });
      }));

  it('writes the pact streamer-agent verifies, and it is the committed one', () => contract.isCommitted());
});
