import { MatchersV3 } from '@pact-foundation/pact';
import {
  BACKEND_TOKEN_HEADER,
  backendHealthRoute,
  defaultPolicy,
  encodeWorkspaceHeaders,
  hostGetConnectionRoute,
  hostSessionEndRoute,
  SESSION_ID_HEADER,
  streamerConnectionSchema,
  type WorkspaceContract,
} from '@webstream/contracts';
import { createHttpClient, EndpointClient } from '@webstream/service-kit';
import { backendHealthAnswer } from '@webstream/testing';
import { consumerPact } from '@webstream/testing/contracts';
import { describe, expect, it } from 'vitest';

const { like, regex } = MatchersV3;

const TOKEN = 'backend-token-'.padEnd(40, 'x');
const workspace: WorkspaceContract = {
  workspaceId: 'ws-pact',
  workspaceName: 'Pact desk',
  workspaceType: 'app',
  appId: 'app-pact',
  appExe: '/usr/bin/xterm',
  appArgs: '',
  userId: 'user-pact',
  username: 'pat',
  orgId: 'org-pact',
  policy: defaultPolicy,
};

describe('pact: gateway → session host', () => {
  const contract = consumerPact('gateway', 'session-host');
  const hosts = (url: string) => ({
    client: new EndpointClient(createHttpClient({ baseURL: url, timeout: 10_000 })),
    credentials: { [BACKEND_TOKEN_HEADER]: TOKEN },
  });

  it("probes the host's health", () =>
    contract.pact
      .addInteraction()
      .given('the host runs no session')
      .uponReceiving("the gateway's health probe")
      .withRequest('GET', backendHealthRoute.path)
      .willRespondWith(200, (response) =>
        response.jsonBody(
          like(backendHealthAnswer({ maxSessions: 2, captureTools: { xvfb: true, ffmpeg: true } })),
        ),
      )
      .executeTest(async (mock) => {
        const { client } = hosts(mock.url);
        expect(await client.call(backendHealthRoute, {})).toMatchObject({ status: 'healthy' });
      }));

  it("asks for a session's streamer with the workspace contract", () => {
    const headers = { ...encodeWorkspaceHeaders(workspace), [SESSION_ID_HEADER]: 'sess-pact-connect' };
    return contract.pact
      .addInteraction()
      .given('the host has room for a session')
      .uponReceiving("the gateway asking for a new session's streamer")
      .withRequest('GET', hostGetConnectionRoute.path, (request) =>
        request.headers({ ...headers, [BACKEND_TOKEN_HEADER]: like(TOKEN) }),
      )
      .willRespondWith(200, (response) =>
        response.jsonBody({
          sessionId: 'sess-pact-connect',
          streamerGuid: regex(/^[0-9a-f-]{36}$/, '0b7f1f9a-8e0b-4f4e-8d53-3c2f2d3e4a5b'),
          host: like('127.0.0.1'),
          port: like(9010),
          streamerSecret: like('s'.repeat(43)),
          paths: like({ capture: '/capture', control: '/control', audio: '/audio' }),
        }),
      )
      .executeTest(async (mock) => {
        const { client, credentials } = hosts(mock.url);
        const lowerCased = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
        const connection = await client.call(
          hostGetConnectionRoute,
          { headers: lowerCased },
          { credentials },
        );
        expect(streamerConnectionSchema.parse(connection).sessionId).toBe('sess-pact-connect');
      });
  });

  it('tells the host a session it does not run has ended', () =>
    contract.pact
      .addInteraction()
      .given('the host runs no session')
      .uponReceiving('the gateway ending a session')
      .withRequest('POST', hostSessionEndRoute.path, (request) =>
        request
          .headers({ [BACKEND_TOKEN_HEADER]: like(TOKEN) })
          .jsonBody({ sessionId: 'sess-pact-ended', reason: 'session-ended' }),
      )
      .willRespondWith(200, (response) => response.jsonBody({ ended: false }))
      .executeTest(async (mock) => {
        const { client, credentials } = hosts(mock.url);
        const answer = await client.call(
          hostSessionEndRoute,
          { body: { sessionId: 'sess-pact-ended', reason: 'session-ended' } },
          { credentials },
        );
        expect(answer).toEqual({ ended: false });
      }));

  it('writes the pact session-host verifies, and it is the committed one', () => contract.isCommitted());
});
