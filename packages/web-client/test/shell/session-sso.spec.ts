import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, Session } from '../../src/api/http';
import { MemoryStorage, standInGateway, tokens } from './stand-ins';

const CODE = 'one-time-code-of-the-test';
const PROVIDER_LOGOUT = 'https://idp.example/logout?id_token_hint=x&post_logout_redirect_uri=y';

let tab: MemoryStorage;
const assign = vi.fn();

beforeEach(() => {
  tab = new MemoryStorage();
  assign.mockClear();
  vi.stubGlobal('sessionStorage', tab);
  vi.stubGlobal('window', { location: { assign } });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

/** What a sign-in leaves behind: the tab's storage, the user and the access token. */
const signedInState = (session: Session) => ({
  storage: tab.entries(),
  user: session.user,
  token: session.token,
});

describe('the single sign-on exchange', () => {
  it('posts the code with the browser’s cookie and keeps the tokens exactly as a password login does', async () => {
    const gateway = standInGateway({
      'POST /iam/auth/login': { status: 200, json: tokens },
      'POST /iam/auth/sso/exchange': { status: 200, json: tokens },
    });
    vi.stubGlobal('fetch', gateway.fetchMock);

    const byPassword = new Session();
    const heard: unknown[] = [];
    byPassword.onChange((user) => heard.push(user));
    await byPassword.login('ada', 'a long enough passphrase');
    const afterPassword = signedInState(byPassword);
    tab.clear();

    const bySso = new Session();
    bySso.onChange((user) => heard.push(user));
    await bySso.exchangeSsoCode(CODE);

    expect(signedInState(bySso)).toEqual(afterPassword);
    expect(afterPassword.token).toBe(tokens.accessToken);
    expect(Object.values(afterPassword.storage)).toEqual([tokens.refreshToken]);
    expect(heard).toEqual([tokens.user, tokens.user]);
    expect(gateway.sent.at(-1)).toEqual({
      method: 'POST',
      path: '/iam/auth/sso/exchange',
      query: '',
      body: { code: CODE },
      credentials: 'same-origin',
    });
  });

  it('keeps nothing when the code is refused', async () => {
    vi.stubGlobal(
      'fetch',
      standInGateway({
        'POST /iam/auth/sso/exchange': {
          status: 401,
          json: { error: { status: 401, code: 'unauthorized', message: 'Unknown code' } },
        },
      }).fetchMock,
    );
    const session = new Session();
    const refused = await session.exchangeSsoCode(CODE).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(401);
    expect(signedInState(session)).toEqual({ storage: {}, user: undefined, token: undefined });
  });
});

describe('logout', () => {
  const signIn = async (logoutAnswer: unknown) => {
    const gateway = standInGateway({
      'POST /iam/auth/sso/exchange': { status: 200, json: tokens },
      'POST /iam/auth/logout': { status: 200, json: logoutAnswer },
    });
    vi.stubGlobal('fetch', gateway.fetchMock);
    const session = new Session();
    await session.exchangeSsoCode(CODE);
    return { session, gateway };
  };

  it('sends the browser to the provider’s logout when IAM names it, after the tokens are gone', async () => {
    const { session, gateway } = await signIn({ success: true, providerLogoutUrl: PROVIDER_LOGOUT });
    assign.mockImplementation(() => expect(signedInState(session).storage).toEqual({}));
    expect(await session.logout()).toBe(true);
    expect(gateway.sent.at(-1)).toMatchObject({
      path: '/iam/auth/logout',
      body: { refreshToken: tokens.refreshToken },
    });
    expect(assign).toHaveBeenCalledExactlyOnceWith(PROVIDER_LOGOUT);
    expect(signedInState(session)).toEqual({ storage: {}, user: undefined, token: undefined });
  });

  it('stays on the page after a password session’s logout, or when IAM cannot be reached', async () => {
    const { session } = await signIn({ success: true });
    expect(await session.logout()).toBe(false);
    expect(assign).not.toHaveBeenCalled();

    const failing = await signIn({ success: true, providerLogoutUrl: PROVIDER_LOGOUT });
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('fetch failed'))),
    );
    expect(await failing.session.logout()).toBe(false);
    expect(assign).not.toHaveBeenCalled();
    expect(failing.session.user).toBeUndefined();
  });

  it('does not follow a provider logout URL that is not http(s)', async () => {
    const { session } = await signIn({ success: true, providerLogoutUrl: 'javascript:alert(1)' });
    expect(await session.logout()).toBe(false);
    expect(assign).not.toHaveBeenCalled();
  });
});
