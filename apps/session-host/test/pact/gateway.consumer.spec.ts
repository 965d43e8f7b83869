import { tmpdir } from 'node:os';
import { MatchersV3 } from '@pact-foundation/pact';
import {
  type HeartbeatRequest,
  heartbeatResponseSchema,
  registerResponseSchema,
  sessionEndedResponseSchema,
  sessionEndedRoute,
  unregisterResponseSchema,
} from '@webstream/contracts';
import { EndpointClient, createHttpClient } from '@webstream/service-kit';
import { PACT_BACKEND_REGISTRATION } from '@webstream/testing';
import { consumerPact } from '@webstream/testing/contracts';
import { describe, expect, it } from 'vitest';
import { GatewayClient } from '../../src/host/peer-clients';
import { hostConfig, TOKEN } from '../stand-ins';

const { like, regex } = MatchersV3;

/** The backend the provider states speak of. */
const SERVER_URL = PACT_BACKEND_REGISTRATION.serverUrl;
const registration = PACT_BACKEND_REGISTRATION;
const heartbeat: HeartbeatRequest = {
  serverUrl: SERVER_URL,
  status: 'healthy',
  activeSessions: 1,
  maxSessions: 10,
  instanceType: 'standard',
  tags: ['linux'],
  cpuUsage: 12.5,
  memoryUsage: 40,
  timestamp: '2026-12-07T10:00:00.000Z',
};

/** An example answer, checked against the contract first: a pact never records what the contract forbids. */
function example<T>(schema: { parse(value: unknown): T }, value: T): T {
  return schema.parse(value);
}

describe('pact: session host → gateway', () => {
  const contract = consumerPact('session-host', 'gateway');

  const client = (url: string) =>
    new GatewayClient(hostConfig({ port: 9005, gatewayUrl: url, spoolDir: tmpdir() }), TOKEN);
  const backendToken = { 'x-backend-token': like(TOKEN) };

  it('registers at start-up', () =>
    contract.pact
      .addInteraction()
      .given('no backend is registered')
      .uponReceiving('a session host registering')
      .withRequest('POST', '/gateway/register', (request) =>
        request.headers(backendToken).jsonBody(like(registration)),
      )
      .willRespondWith(200, (response) =>
        response.jsonBody(
          like(
            example(registerResponseSchema, {
              registered: true,
              serverUrl: SERVER_URL,
              heartbeatInterval: 10,
            }),
          ),
        ),
      )
      .executeTest(async (mock) => {
        const answer = await client(mock.url).register(registration);
        expect(answer.status).toBe(200);
      }));

  it('heartbeats while registered', () =>
    contract.pact
      .addInteraction()
      .given('the backend http://10.0.1.5:9005 is registered')
      .uponReceiving('a heartbeat of a registered session host')
      .withRequest('POST', '/gateway/heartbeat', (request) =>
        request.headers(backendToken).jsonBody(like(heartbeat)),
      )
      .willRespondWith(200, (response) =>
        response.jsonBody(example(heartbeatResponseSchema, { acknowledged: true })),
      )
      .executeTest(async (mock) => {
        expect(await client(mock.url).heartbeat(heartbeat)).toEqual({
          status: 200,
          body: { acknowledged: true },
        });
      }));

  it('hears 404 on a heartbeat the gateway does not know, and registers again', () =>
    contract.pact
      .addInteraction()
      .given('no backend is registered')
      .uponReceiving('a heartbeat of an unknown session host')
      .withRequest('POST', '/gateway/heartbeat', (request) =>
        request.headers(backendToken).jsonBody(like(heartbeat)),
      )
      .willRespondWith(404, (response) =>
        response.jsonBody({
          error: like({ status: 404, code: 'not_found', message: 'the backend is not registered' }),
        }),
      )
      .executeTest(async (mock) => {
        const answer = await client(mock.url).heartbeat(heartbeat);
        expect(answer.status).toBe(404);
      }));

  it('unregisters at shutdown', () =>
    contract.pact
      .addInteraction()
      .given('the backend http://10.0.1.5:9005 is registered')
      .uponReceiving('a session host leaving')
      .withRequest('POST', '/gateway/unregister', (request) =>
        request.headers(backendToken).jsonBody({ serverUrl: like(SERVER_URL) }),
      )
      .willRespondWith(200, (response) =>
        response.jsonBody(like(example(unregisterResponseSchema, { success: true }))),
      )
      .executeTest(async (mock) => {
        // The contract is the request's shape, not shutdown's 3 s budget, which a busy CI machine may overrun.
        const answer = await client(mock.url).unregister({ serverUrl: SERVER_URL }, 30_000);
        expect(answer.problem).toBeUndefined();
        expect(answer.status).toBe(200);
      }));

  it('reports a session whose streamer was lost', () =>
    contract.pact
      .addInteraction()
      .given('the backend http://10.0.1.5:9005 is registered')
      .uponReceiving('a session host reporting a lost streamer')
      .withRequest('POST', '/gateway/session/ended', (request) =>
        request.headers(backendToken).jsonBody({
          sessionId: 'sess-pact-1',
          streamerGuid: regex(/^[0-9a-f-]{36}$/, '0b7f1f9a-8e0b-4f4e-8d53-3c2f2d3e4a5b'),
          reason: 'host-lost',
        }),
      )
      .willRespondWith(200, (response) =>
        response.jsonBody(like(example(sessionEndedResponseSchema, { ended: true }))),
      )
      .executeTest(async (mock) => {
        const peers = new EndpointClient(createHttpClient({ baseURL: mock.url, timeout: 5_000 }));
        const answer = await peers.call(
          sessionEndedRoute,
          {
            body: {
              sessionId: 'sess-pact-1',
              streamerGuid: '0b7f1f9a-8e0b-4f4e-8d53-3c2f2d3e4a5b',
              reason: 'host-lost',
            },
          },
          { credentials: { 'x-backend-token': TOKEN } },
        );
        expect(answer).toEqual({ ended: true });
      }));

  it('writes the pact gateway verifies, and it is the committed one', () => contract.isCommitted());
});
