import { type IdentityProvider, type LogoutResponse } from '@webstream/contracts';
import { call, type TestIdentity, type TestSamlIdp } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authnRequestId,
  codeOf,
  PUBLIC_URL,
  refusedWith,
  SsoBrowser,
  type SsoFixture,
  startSamlProvider,
  startPublicOnlyIam,
  startSsoFixture,
  NOT_PUBLIC,
  workspacesOf,
} from './sso-harness';

const dana: TestIdentity = {
  sub: 'dana-7f3a',
  username: 'dana',
  name: 'Dana Scully',
  email: 'dana@acme.example',
  groups: ['eng'],
};

describe('single sign-on with SAML 2.0', () => {
  let sso: SsoFixture;
  let idp: TestSamlIdp;
  let provider: IdentityProvider;

  beforeAll(async () => {
    sso = await startSsoFixture('ws_iam_sso_saml');
    ({ idp, provider } = await startSamlProvider(sso, [dana]));
  });

  afterAll(async () => {
    await idp?.stop();
    await sso?.fixture.stop();
  });

  /** Starts a sign-in in `browser`: the IdP's sign-in URL (HTTP-Redirect binding). */
  async function start(browser: SsoBrowser): Promise<string> {
    const started = await browser.visit(`${PUBLIC_URL}/iam/auth/sso/${provider.id}/start`);
    expect(started.status).toBe(302);
    expect(started.location.startsWith(idp.ssoUrl)).toBe(true);
    return started.location;
  }

  /** Posts a SAMLResponse to the ACS; where the browser is sent. */
  async function post(browser: SsoBrowser, SAMLResponse: string): Promise<string> {
    const answer = await browser.postForm(provider.endpoints.acsUrl, { SAMLResponse });
    expect(answer.status).toBe(303);
    return answer.location;
  }

  it("reads the IdP's metadata and publishes WebStream's own", async () => {
    expect(provider.saml).toMatchObject({
      metadataUrl: idp.metadataUrl,
      idpEntityId: idp.entityId,
      ssoUrl: idp.ssoUrl,
      sloUrl: idp.sloUrl,
    });
    expect(provider.saml!.idpCertificates).toHaveLength(1);
    expect(provider.claims).toEqual({
      username: 'username',
      displayName: 'displayName',
      email: 'email',
      groups: 'groups',
    });
    const metadata = await fetch(`${sso.iamUrl}/iam/auth/sso/${provider.id}/saml/metadata`);
    expect(metadata.headers.get('content-type')).toMatch(/^application\/samlmetadata\+xml/);
    const xml = await metadata.text();
    expect(xml).toContain(`entityID="${provider.endpoints.spEntityId}"`);
    expect(xml).toContain(`Location="${provider.endpoints.acsUrl}"`);
    expect(xml).toContain('WantAssertionsSigned="true"');
  });

  it('reads no metadata from an address that is not public unless its network is allowed', async () => {
    const guarded = await startPublicOnlyIam(sso);
    for (const metadataUrl of [idp.metadataUrl, idp.metadataUrl.replace('localhost', '127.0.0.1')]) {
      const refused = await call<{ error: { fields: { path: string; message: string }[] } }>(
        guarded.url,
        'POST',
        '/iam/identity-providers',
        {
          token: sso.adminToken,
          body: { orgId: sso.orgId, name: 'Internal SAML', kind: 'saml', saml: { metadataUrl } },
        },
      );
      expect(refused.status, metadataUrl).toBe(400);
      expect(refused.body.error.fields).toEqual([
        {
          path: 'saml.metadataUrl',
          message: expect.stringMatching(NOT_PUBLIC),
        },
      ]);
    }
    const providers = await call<{ items: { name: string }[] }>(
      sso.iamUrl,
      'GET',
      `/iam/identity-providers?orgId=${sso.orgId}`,
      { token: sso.adminToken },
    );
    expect(providers.body.items.map((item) => item.name)).not.toContain('Internal SAML');
  });

  it('signs the user in from a signed assertion, provisioned, with the mapped workspace', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const form = await idp.signIn(await start(browser), dana.sub);
    const tokens = await browser.exchange(codeOf(await post(browser, form.SAMLResponse)));
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body.user).toMatchObject({
      username: 'dana',
      displayName: 'Dana Scully',
      orgId: sso.orgId,
    });
    expect(await workspacesOf(sso.iamUrl, tokens.body.accessToken)).toEqual(['Engineering desk']);
  });

  it('takes the workspace away when the IdP stops listing the group', async () => {
    idp.setIdentity({ ...dana, groups: [] });
    const browser = new SsoBrowser(sso.iamUrl);
    const form = await idp.signIn(await start(browser), dana.sub);
    const tokens = await browser.exchange(codeOf(await post(browser, form.SAMLResponse)));
    expect(await workspacesOf(sso.iamUrl, tokens.body.accessToken)).toEqual([]);
    idp.setIdentity(dana);
  });

  it('refuses an assertion replayed after it was used', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const form = await idp.signIn(await start(browser), dana.sub);
    codeOf(await post(browser, form.SAMLResponse));
    refusedWith(await post(browser, form.SAMLResponse), 'sso_rejected');
  });

  it('refuses the same answer posted twice at once: only one of them signs in', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const form = await idp.signIn(await start(browser), dana.sub);
    const answers = await Promise.all([post(browser, form.SAMLResponse), post(browser, form.SAMLResponse)]);
    const codes = answers.filter((location) => new URL(location).hash.startsWith('#code='));
    expect(codes).toHaveLength(1);
  });

  it('refuses an unsigned, an expired, a foreign-audience, a foreign-key and a foreign-issuer assertion', async () => {
    const forgeries = {
      unsigned: { signAssertion: false },
      expired: { notOnOrAfter: new Date(Date.now() - 10 * 60_000) },
      'not yet valid': { notBefore: new Date(Date.now() + 10 * 60_000) },
      'another audience': { audience: 'https://another-sp.example/metadata' },
      'another key': { signingKey: 'other' as const },
      'another issuer': { issuer: 'https://another-idp.example/metadata' },
      // A signed assertion made for no request, wrapped in a Response naming this browser's request.
      unsolicited: { unsolicited: true },
    };
    for (const [name, knobs] of Object.entries(forgeries)) {
      const browser = new SsoBrowser(sso.iamUrl);
      const inResponseTo = authnRequestId(await start(browser));
      const forged = idp.forgeResponse({ inResponseTo, sub: dana.sub, ...knobs });
      const location = await post(browser, forged);
      expect(new URL(location).hash, name).toMatch(/^#error=sso_rejected/);
    }
    // The same forging, unaltered, is accepted: what refused each of the above is the alteration.
    const browser = new SsoBrowser(sso.iamUrl);
    const genuine = idp.forgeResponse({ inResponseTo: authnRequestId(await start(browser)), sub: dana.sub });
    codeOf(await post(browser, genuine));
  });

  it('refuses an answer to a request WebStream never made', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const forged = idp.forgeResponse({ inResponseTo: '_never-asked-for', sub: dana.sub });
    refusedWith(await post(browser, forged), 'sso_rejected');
  });

  it("binds the code to the browser that started the sign-in, though the IdP's post carries no cookie", async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const form = await idp.signIn(await start(browser), dana.sub);
    const code = codeOf(await post(browser, form.SAMLResponse));
    expect((await browser.withAnotherCookie().exchange(code)).status).toBe(401);
    expect((await browser.exchange(code)).status).toBe(200);
  });

  it('logs out at the IdP too (single logout), and ends the session when the IdP asks', async () => {
    const browser = new SsoBrowser(sso.iamUrl);
    const form = await idp.signIn(await start(browser), dana.sub);
    const tokens = await browser.exchange(codeOf(await post(browser, form.SAMLResponse)));
    const logout = await call<LogoutResponse>(sso.iamUrl, 'POST', '/iam/auth/logout', {
      body: { refreshToken: tokens.body.refreshToken },
    });
    const logoutRequest = logout.body.providerLogoutUrl!;
    expect(logoutRequest.startsWith(idp.sloUrl)).toBe(true);
    const back = await idp.signOut(logoutRequest);
    expect(`${back.origin}${back.pathname}`).toBe(provider.endpoints.sloUrl);
    const finished = await browser.visit(back.toString());
    expect(finished.status).toBe(303);
    expect(finished.location).toBe(`${PUBLIC_URL}/sign-in`);
    // A LogoutResponse whose signature was tampered with is refused.
    const tampered = new URL(back);
    tampered.searchParams.set('Signature', Buffer.from('not a signature').toString('base64'));
    refusedWith((await browser.visit(tampered.toString())).location, 'sso_rejected');
  });
});
