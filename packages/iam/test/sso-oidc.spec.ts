import { randomBytes } from 'node:crypto';
import { type IdentityProvider, type LogoutResponse, type User } from '@webstream/contracts';
import { call, startTestOidcProvider, type TestIdentity, type TestOidcProvider } from '@webstream/testing';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from './iam-harness';
import {
  codeOf,
  createProvider,
  LAB_SSO,
  PUBLIC_URL,
  refusedWith,
  SsoBrowser,
  type SsoFixture,
  startPublicOnlyIam,
  startSsoFixture,
  NOT_PUBLIC,
  workspacesOf,
} from './sso-harness';

const CLIENT_SECRET = randomBytes(24).toString('hex');

const alice: TestIdentity = {
  sub: 'alice-0001',
  username: 'alice',
  name: 'Alice Liddell',
  email: 'alice@acme.example',
  groups: ['eng', 'everyone'],
};

describe('single sign-on with OpenID Connect', () => {
  let sso: SsoFixture;
  let idp: TestOidcProvider;
  let provider: IdentityProvider;

  beforeAll(async () => {
    sso = await startSsoFixture('ws_iam_sso_oidc');
    // The redirect URI holds the provider's id, so WebStream's side is created first and pointed at the
    // provider once the provider knows the URI.
    provider = await createProvider(sso, {
      name: 'Acme Login',
      kind: 'oidc',
      oidc: { issuer: 'http://localhost:9/', clientId: 'webstream', clientSecret: CLIENT_SECRET },
      groupMappings: [{ externalGroup: 'eng', groupId: sso.engineers.groupId }],
    });
    idp = await startTestOidcProvider({
      clients: [
        {
          clientId: 'webstream',
          clientSecret: CLIENT_SECRET,
          tokenEndpointAuthMethod: 'client_secret_basic',
          redirectUris: [provider.endpoints.redirectUri],
          postLogoutRedirectUris: [provider.endpoints.postLogoutRedirectUri],
        },
      ],
      identities: [
        alice,
        { sub: 'bob-0002', username: 'bob', name: 'Bob', email: 'bob@acme.example', groups: [] },
      ],
    });
    const pointed = await call<IdentityProvider>(
      sso.iamUrl,
      'PATCH',
      `/iam/identity-providers/${provider.id}`,
      {
        token: sso.adminToken,
        body: { oidc: { issuer: idp.issuer, scopes: ['openid', 'profile', 'email', 'groups'] } },
      },
    );
    expect(pointed.status, JSON.stringify(pointed.body)).toBe(200);
    provider = pointed.body;
  });

  afterAll(async () => {
    await idp?.stop();
    await sso?.fixture.stop();
  });

  /** A sign-in up to the provider's redirect back, by `sub`, in `browser`. */
  async function toCallback(browser: SsoBrowser, sub: string, returnTo = '/'): Promise<URL> {
    const start = await browser.visit(
      `${PUBLIC_URL}/iam/auth/sso/${provider.id}/start?returnTo=${encodeURIComponent(returnTo)}`,
    );
    expect(start.status).toBe(302);
    const authorization = new URL(start.location);
    expect(authorization.origin).toBe(new URL(idp.issuer).origin);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('redirect_uri')).toBe(provider.endpoints.redirectUri);
    return idp.signIn(start.location, sub);
  }

  async function signIn(sub: string): Promise<{ accessToken: string; refreshToken: string; userId: string }> {
    const browser = new SsoBrowser(sso.iamUrl);
    const back = await browser.visit((await toCallback(browser, sub)).toString());
    expect(back.status).toBe(303);
    const tokens = await browser.exchange(codeOf(back.location));
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    return { ...tokens.body, userId: tokens.body.user.id };
  }

  it('keeps the client secret sealed: the API says only that one is set', async () => {
    expect(provider.oidc).toMatchObject({ issuer: idp.issuer, clientId: 'webstream', clientSecretSet: true });
    expect(JSON.stringify(provider)).not.toContain(CLIENT_SECRET);
    const database = new Client({ connectionString: sso.fixture.database.url });
    await database.connect();
    try {
      const stored = await database.query<{ oidcClientSecret: string }>(
        'SELECT "oidcClientSecret" FROM "IdentityProvider" WHERE id = $1',
        [provider.id],
      );
      expect(stored.rows[0]!.oidcClientSecret).toMatch(/^v1\./);
      expect(stored.rows[0]!.oidcClientSecret).not.toContain(CLIENT_SECRET);
    } finally {
      await database.end();
    }
  });

  it("lists the organization's providers for its sign-in page", async () => {
    const choices = await call(sso.iamUrl, 'GET', `/iam/auth/sso/providers?organization=${sso.orgSlug}`);
    expect(choices.body).toEqual({
      organization: sso.orgSlug,
      passwordLogin: true,
      providers: [{ id: provider.id, name: 'Acme Login', kind: 'oidc' }],
    });
    expect((await call(sso.iamUrl, 'GET', '/iam/auth/sso/providers?organization=nobody-here')).status).toBe(
      404,
    );
  });

  it('provisions the user at the first sign-in, maps the groups, and the mapped workspace is theirs', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const back = await browser.visit((await toCallback(browser, alice.sub, '/admin/users')).toString());
    const code = codeOf(back.location);
    expect(new URLSearchParams(new URL(back.location).hash.slice(1)).get('returnTo')).toBe('/admin/users');
    const tokens = await browser.exchange(code);
    expect(tokens.status).toBe(200);
    expect(tokens.body.user).toMatchObject({
      username: 'alice',
      displayName: 'Alice Liddell',
      orgId: sso.orgId,
    });
    expect(await workspacesOf(sso.iamUrl, tokens.body.accessToken)).toEqual(['Engineering desk']);
    const user = await call<User>(sso.iamUrl, 'GET', `/iam/users/${tokens.body.user.id}`, {
      token: sso.adminToken,
    });
    expect(user.body).toMatchObject({ email: 'alice@acme.example', role: 'user' });
    // The code was spent: trading it again is refused.
    expect((await browser.exchange(code)).status).toBe(401);
  });

  it('takes the mapped group (and the workspace) away at the next sign-in once the provider does', async () => {
    const first = await signIn(alice.sub);
    idp.setIdentity({ ...alice, groups: ['everyone'] });
    const second = await signIn(alice.sub);
    expect(second.userId).toBe(first.userId);
    expect(await workspacesOf(sso.iamUrl, second.accessToken)).toEqual([]);
    idp.setIdentity(alice);
    expect(await workspacesOf(sso.iamUrl, (await signIn(alice.sub)).accessToken)).toEqual([
      'Engineering desk',
    ]);
  });

  it('gives a user the provider created no password: no password signs them in', async () => {
    await signIn(alice.sub);
    for (const password of ['webstream-decoy-password', 'a long enough passphrase']) {
      const attempt = await call(sso.iamUrl, 'POST', '/iam/auth/login', {
        body: { username: 'alice', password, organization: sso.orgSlug },
      });
      expect(attempt.status).toBe(401);
    }
  });

  it('lets no other site start a sign-in in this browser (login CSRF)', async () => {
    const crossSite = await fetch(`${sso.iamUrl}/iam/auth/sso/${provider.id}/start`, {
      redirect: 'manual',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(302);
    expect(refusedWith(crossSite.headers.get('location') ?? '', 'sso_rejected')).toMatch(/sign-in page/);
    expect(crossSite.headers.getSetCookie()).toEqual([]);
    const sameOrigin = await fetch(`${sso.iamUrl}/iam/auth/sso/${provider.id}/start`, {
      redirect: 'manual',
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(new URL(sameOrigin.headers.get('location') ?? '').origin).toBe(new URL(idp.issuer).origin);
  });

  it('binds the sign-in with a __Host- cookie where WebStream is reached over https', async () => {
    const https = await sso.fixture.startInstance({
      publicUrl: 'https://webstream.test',
      secretsKey: 'k'.repeat(32),
      sso: LAB_SSO,
    });
    const start = await fetch(`${https.url}/iam/auth/sso/${provider.id}/start`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const [cookie] = start.headers.getSetCookie();
    const [pair, ...attributes] = (cookie ?? '').split(';').map((part) => part.trim().toLowerCase());
    expect(pair).toMatch(/^__host-webstream_sso=[a-z0-9_-]{43}$/);
    expect(attributes).toEqual(expect.arrayContaining(['path=/', 'secure', 'httponly', 'samesite=lax']));
    expect(attributes.some((attribute) => attribute.startsWith('domain='))).toBe(false);
  });

  it('calls no identity provider at an address that is not public unless its network is allowed', async () => {
    // The same provider, seen by an IAM that allows no internal network: the test provider is on loopback.
    const guarded = await startPublicOnlyIam(sso);
    const start = await fetch(`${guarded.url}/iam/auth/sso/${provider.id}/start`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    expect(refusedWith(start.headers.get('location') ?? '', 'sso_failed')).toBe(
      'the identity provider cannot be reached',
    );
    await sso.fixture.recorder.waitFor(
      (event): event is typeof event =>
        event.kind === 'activity' &&
        /failed with Acme Login: sso_failed: .*EPROVIDERADDRESS: localhost is not at a public address/.test(
          event.detail ?? '',
        ),
    );
    // Where the operator allowed loopback (as the fixture's IAM does) the same provider is reached.
    const allowed = await fetch(`${sso.iamUrl}/iam/auth/sso/${provider.id}/start`, { redirect: 'manual' });
    expect(new URL(allowed.headers.get('location') ?? '').origin).toBe(new URL(idp.issuer).origin);
  });

  it('refuses an answer with a state this browser never started', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const callback = await toCallback(browser, alice.sub);
    callback.searchParams.set('state', 'forged-state');
    refusedWith((await browser.visit(callback.toString())).location, 'sso_rejected');
  });

  it('refuses a replayed answer (the code already redeemed)', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const callback = (await toCallback(browser, alice.sub)).toString();
    codeOf((await browser.visit(callback)).location);
    const description = refusedWith((await browser.visit(callback)).location, 'sso_rejected');
    expect(description).toMatch(/already used/);
  });

  it('refuses an answer brought back to another browser', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const callback = (await toCallback(browser, alice.sub)).toString();
    const description = refusedWith(
      (await browser.withAnotherCookie().visit(callback)).location,
      'sso_rejected',
    );
    expect(description).toMatch(/another browser/);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const start = await browser.visit(`${PUBLIC_URL}/iam/auth/sso/${provider.id}/start`);
    const tampered = new URL(start.location);
    tampered.searchParams.set('nonce', 'a-nonce-of-the-attackers-choosing');
    const callback = await idp.signIn(tampered.toString(), alice.sub);
    refusedWith((await browser.visit(callback.toString())).location, 'sso_rejected');
  });

  it("shows the provider's own refusal in words", async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const start = await browser.visit(`${PUBLIC_URL}/iam/auth/sso/${provider.id}/start`);
    const state = new URL(start.location).searchParams.get('state')!;
    const back = await browser.visit(
      `${PUBLIC_URL}/iam/auth/sso/${provider.id}/callback?error=access_denied&error_description=${encodeURIComponent('the user said no')}&state=${state}`,
    );
    expect(refusedWith(back.location, 'access_denied')).toBe('the user said no');
  });

  it('takes no provider error text from a request this browser did not start', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const back = await browser.visit(
      `${PUBLIC_URL}/iam/auth/sso/${provider.id}/callback?error=access_denied&error_description=${encodeURIComponent('Call +1 555 0100 to unlock your account')}`,
    );
    expect(refusedWith(back.location, 'sso_rejected')).not.toMatch(/555/);
  });

  it('refuses a code presented without the browser that started the sign-in', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const code = codeOf((await browser.visit((await toCallback(browser, alice.sub)).toString())).location);
    expect((await browser.withAnotherCookie().exchange(code)).status).toBe(401);
    expect((await browser.exchange(code)).status).toBe(200);
  });

  it('refuses a user WebStream disabled, whatever the provider says', async () => {
    const { userId } = await signIn(alice.sub);
    const disabled = await call(sso.iamUrl, 'PATCH', `/iam/users/${userId}`, {
      token: sso.adminToken,
      body: { disabled: true },
    });
    expect(disabled.status).toBe(200);
    const browser = new SsoBrowser(sso.iamUrl);
    refusedWith(
      (await browser.visit((await toCallback(browser, alice.sub)).toString())).location,
      'account_disabled',
    );
    await call(sso.iamUrl, 'PATCH', `/iam/users/${userId}`, {
      token: sso.adminToken,
      body: { disabled: false },
    });
  });

  it('says on the sign-in page that a provider switched off during the sign-in is gone', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const callback = await toCallback(browser, alice.sub);
    const patch = (enabled: boolean) =>
      call(sso.iamUrl, 'PATCH', `/iam/identity-providers/${provider.id}`, {
        token: sso.adminToken,
        body: { enabled },
      });
    expect((await patch(false)).status).toBe(200);
    try {
      expect(refusedWith((await browser.visit(callback.toString())).location, 'sso_failed')).toMatch(
        /switched off/,
      );
      expect((await browser.visit(`${PUBLIC_URL}/iam/auth/sso/${provider.id}/start`)).status).toBe(404);
    } finally {
      expect((await patch(true)).status).toBe(200);
    }
  });

  it('creates no account when just-in-time provisioning is off', async () => {
    await call(sso.iamUrl, 'PATCH', `/iam/identity-providers/${provider.id}`, {
      token: sso.adminToken,
      body: { jitProvisioning: false },
    });
    const browser = new SsoBrowser(sso.iamUrl);
    refusedWith(
      (await browser.visit((await toCallback(browser, 'bob-0002')).toString())).location,
      'not_provisioned',
    );
    // Alice, linked already, still signs in.
    expect((await signIn(alice.sub)).userId).toBeTruthy();
    await call(sso.iamUrl, 'PATCH', `/iam/identity-providers/${provider.id}`, {
      token: sso.adminToken,
      body: { jitProvisioning: true },
    });
  });

  it("signs out at the provider too: logout answers the provider's end-session URL", async () => {
    const { refreshToken } = await signIn(alice.sub);
    const logout = await call<LogoutResponse>(sso.iamUrl, 'POST', '/iam/auth/logout', {
      body: { refreshToken },
    });
    expect(logout.status).toBe(200);
    const endSession = new URL(logout.body.providerLogoutUrl!);
    expect(endSession.origin).toBe(new URL(idp.issuer).origin);
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy();
    expect((await idp.signOut(endSession.toString())).toString()).toBe(
      provider.endpoints.postLogoutRedirectUri,
    );
    // WebStream's own tokens are gone.
    expect((await call(sso.iamUrl, 'POST', '/iam/auth/refresh', { body: { refreshToken } })).status).toBe(
      401,
    );
  });

  it("turns the organization's local passwords off, but never the platform admin's", async () => {
    const withPassword = await call<{ id: string }>(sso.iamUrl, 'POST', '/iam/users', {
      token: sso.adminToken,
      body: { orgId: sso.orgId, username: 'carol', password: 'a long enough passphrase' },
    });
    expect(withPassword.status).toBe(201);
    await login(sso.iamUrl, 'carol', 'a long enough passphrase', sso.orgSlug);
    const off = await call(sso.iamUrl, 'PATCH', `/iam/organizations/${sso.orgId}`, {
      token: sso.adminToken,
      body: { passwordLogin: false },
    });
    expect(off.status).toBe(200);
    const refused = await call(sso.iamUrl, 'POST', '/iam/auth/login', {
      body: { username: 'carol', password: 'a long enough passphrase', organization: sso.orgSlug },
    });
    expect(refused.status).toBe(403);
    const choices = await call<{ passwordLogin: boolean }>(
      sso.iamUrl,
      'GET',
      `/iam/auth/sso/providers?organization=${sso.orgSlug}`,
    );
    expect(choices.body.passwordLogin).toBe(false);
    await login(sso.iamUrl, sso.fixture.admin.username, sso.fixture.admin.password);
    await call(sso.iamUrl, 'PATCH', `/iam/organizations/${sso.orgId}`, {
      token: sso.adminToken,
      body: { passwordLogin: true },
    });
  });

  it('refuses bad provider settings, naming the field', async () => {
    const https = await sso.fixture.startInstance({
      publicUrl: PUBLIC_URL,
      secretsKey: 'k'.repeat(32),
      sso: { allowHttpProviders: false },
    });
    const plainHttp = await call<{ error: { fields: { path: string }[] } }>(
      https.url,
      'POST',
      '/iam/identity-providers',
      {
        token: sso.adminToken,
        body: {
          orgId: sso.orgId,
          name: 'Plain',
          kind: 'oidc',
          oidc: { issuer: 'http://idp.example', clientId: 'x' },
        },
      },
    );
    expect(plainHttp.status).toBe(400);
    expect(plainHttp.body.error.fields[0]!.path).toBe('oidc.issuer');
    // The cloud's metadata service, and loopback written as an IPv4-mapped IPv6 address: never called.
    for (const issuer of ['https://169.254.169.254/', 'https://[::ffff:127.0.0.1]:8443/realms/x']) {
      const internal = await call<{ error: { fields: { path: string; message: string }[] } }>(
        https.url,
        'POST',
        '/iam/identity-providers',
        {
          token: sso.adminToken,
          body: { orgId: sso.orgId, name: 'Internal', kind: 'oidc', oidc: { issuer, clientId: 'x' } },
        },
      );
      expect(internal.status, issuer).toBe(400);
      expect(internal.body.error.fields[0]).toEqual({
        path: 'oidc.issuer',
        message: expect.stringMatching(NOT_PUBLIC),
      });
    }
    const noOpenid = await call<{ error: { fields: { path: string }[] } }>(
      sso.iamUrl,
      'POST',
      '/iam/identity-providers',
      {
        token: sso.adminToken,
        body: {
          orgId: sso.orgId,
          name: 'Bad scopes',
          kind: 'oidc',
          oidc: { issuer: idp.issuer, clientId: 'x', scopes: ['email'] },
        },
      },
    );
    expect(noOpenid.status).toBe(400);
    expect(noOpenid.body.error.fields[0]!.path).toBe('oidc.scopes');
    const samlOnOidc = await call(sso.iamUrl, 'PATCH', `/iam/identity-providers/${provider.id}`, {
      token: sso.adminToken,
      body: { saml: { metadataUrl: 'http://idp.example/metadata' } },
    });
    expect(samlOnOidc.status).toBe(400);
    const foreignGroup = await call(sso.iamUrl, 'PATCH', `/iam/identity-providers/${provider.id}`, {
      token: sso.adminToken,
      body: { groupMappings: [{ externalGroup: 'eng', groupId: '00000000-0000-4000-8000-000000000000' }] },
    });
    expect(foreignGroup.status).toBe(404);
    const unchanged = await call<IdentityProvider>(
      sso.iamUrl,
      'GET',
      `/iam/identity-providers/${provider.id}`,
      {
        token: sso.adminToken,
      },
    );
    expect(unchanged.body.groupMappings).toEqual([{ externalGroup: 'eng', groupId: sso.engineers.groupId }]);
  });
});
