import { MatchersV3, type TemplateHeaders, type V3MockServer } from '@pact-foundation/pact';
import { myWorkspacesRoute, sessionStatusRoute } from '@webstream/contracts';
import { consumerPact } from '@webstream/testing/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, Session } from '../../src/api/http';

const { like, regex } = MatchersV3;

const ACCESS_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl';
const REFRESH_TOKEN = 'refresh-token-of-the-pact';
const ORG_ID = '5d8f3c1e-0c0a-4c4e-9a53-2a9f0b8f6f10';
const USER_ID = '0b7f1f9a-8e0b-4f4e-8d53-3c2f2d3e4a5b';
const bearer = { authorization: regex(/^Bearer .+$/, `Bearer ${ACCESS_TOKEN}`) };

/**
 * The page's own code calls relative paths (the gateway serves it): here they go to Pact's mock, and the tab's
 * sessionStorage is a map.
 */
function asThePage(mock: V3MockServer): void {
  const realFetch = globalThis.fetch;
  vi.stubGlobal('fetch', (input: string, init?: RequestInit) => realFetch(new URL(input, mock.url), init));
  const stored = new Map<string, string>();
  vi.stubGlobal('sessionStorage', {
    getItem: (key: string) => stored.get(key) ?? null,
    setItem: (key: string, value: string) => void stored.set(key, value),
    removeItem: (key: string) => void stored.delete(key),
  });
}

/** A session holding an access token, as after a sign-in. */
function signedIn(): Session {
  const session = new Session();
  Object.assign(session, { accessToken: ACCESS_TOKEN });
  return session;
}

const tokens = {
  accessToken: like(ACCESS_TOKEN),
  refreshToken: like(REFRESH_TOKEN),
  tokenType: 'Bearer',
  expiresIn: like(900),
  user: like({
    id: USER_ID,
    username: 'admin',
    displayName: 'Administrator',
    role: 'platform-admin',
    orgId: ORG_ID,
  }),
};

/** What the page asks (with these headers or this JSON body) and the JSON it is answered with. */
interface PageInteraction {
  given: string;
  uponReceiving: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: TemplateHeaders;
  body?: unknown;
  status: number;
  answer: unknown;
}

describe('pact: the browser (web client) → gateway', () => {
  const contract = consumerPact('web-client', 'gateway');

  /** Records `interaction` and runs `test`, the page's own calls, against Pact's mock of it. */
  const asksTheGateway = (interaction: PageInteraction, test: () => Promise<void>) =>
    contract.pact
      .addInteraction()
      .given(interaction.given)
      .uponReceiving(interaction.uponReceiving)
      .withRequest(interaction.method, interaction.path, (request) => {
        if (interaction.headers !== undefined) request.headers(interaction.headers);
        if (interaction.body !== undefined) request.jsonBody(interaction.body);
      })
      .willRespondWith(interaction.status, (response) => response.jsonBody(interaction.answer))
      .executeTest(async (mock) => {
        asThePage(mock);
        await test();
      });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('signs in', () =>
    asksTheGateway(
      {
        given: 'the admin exists',
        uponReceiving: 'a sign-in',
        method: 'POST',
        path: '/iam/auth/login',
        body: { username: 'admin', password: 'a long enough passphrase' },
        status: 200,
        answer: tokens,
      },
      async () => {
        const session = new Session();
        await session.login('admin', 'a long enough passphrase');
        expect(session.user).toMatchObject({ username: 'admin' });
      },
    ));

  it('hears 401 for a wrong password', () =>
    asksTheGateway(
      {
        given: 'the admin exists',
        uponReceiving: 'a sign-in with a wrong password',
        method: 'POST',
        path: '/iam/auth/login',
        body: { username: 'admin', password: 'not the password at all' },
        status: 401,
        answer: { error: like({ status: 401, code: 'unauthorized', message: 'Invalid credentials' }) },
      },
      async () => {
        await expect(new Session().login('admin', 'not the password at all')).rejects.toBeInstanceOf(
          ApiError,
        );
      },
    ));

  it("lists the signed-in user's workspaces", () =>
    asksTheGateway(
      {
        given: 'the admin is signed in',
        uponReceiving: "the signed-in user's workspaces, of which the admin has none",
        method: 'GET',
        path: '/iam/me/workspaces',
        headers: bearer,
        status: 200,
        answer: { items: [] },
      },
      async () => {
        expect(await signedIn().call(myWorkspacesRoute, {})).toEqual({ items: [] });
      },
    ));

  it("asks for an unknown session's status before reconnecting", () =>
    asksTheGateway(
      {
        given: 'the admin is signed in',
        uponReceiving: 'the reconnect preflight of a session the gateway does not know',
        method: 'GET',
        path: '/gateway/session/status',
        headers: { ...bearer, 'x-session-id': 'sess-pact-unknown' },
        status: 200,
        answer: { sessionId: 'sess-pact-unknown', state: 'none', backendReachable: like(false) },
      },
      async () => {
        const status = await signedIn().call(sessionStatusRoute, {
          headers: { 'x-session-id': 'sess-pact-unknown' },
        });
        expect(status.state).toBe('none');
      },
    ));

  it('writes the pact gateway verifies, and it is the committed one', () => contract.isCommitted());
});
