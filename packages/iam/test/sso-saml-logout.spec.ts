import { type IdentityProvider, type TokenResponse } from '@webstream/contracts';
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
  startSsoFixture,
} from './sso-harness';

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

const dana: TestIdentity = {
  sub: 'dana-7f3a',
  username: 'dana',
  name: 'Dana Scully',
  email: 'dana@acme.example',
  groups: ['eng'],
};
const fox: TestIdentity = {
  sub: 'fox-2c91',
  username: 'fox',
  name: 'Fox Mulder',
  email: 'fox@acme.example',
  groups: ['eng'],
};

describe('single logout started by the SAML IdP (a LogoutRequest, HTTP-Redirect)', () => {
  let sso: SsoFixture;
  let idp: TestSamlIdp;
  let provider: IdentityProvider;

  beforeAll(async () => {
    sso = await startSsoFixture('ws_iam_sso_saml_slo');
    ({ idp, provider } = await startSamlProvider(sso, [dana, fox]));
  });

  afterAll(async () => {
    await idp?.stop();
    await sso?.fixture.stop();
  });

  /** A whole SAML sign-in of `sub` in a browser of its own: one refresh-token family. */
  async function signIn(sub: string): Promise<TokenResponse> {
    const browser = new SsoBrowser(sso.iamUrl);
    const started = await browser.visit(`${PUBLIC_URL}/iam/auth/sso/${provider.id}/start`);
    expect(started.status).toBe(302);
    const form = await idp.signIn(started.location, sub);
    const posted = await browser.postForm(provider.endpoints.acsUrl, { SAMLResponse: form.SAMLResponse });
    expect(posted.status).toBe(303);
    const tokens = await browser.exchange(codeOf(posted.location));
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    return tokens.body;
  }

  /** The IdP's LogoutRequest, brought to WebStream's SLO URL by the user's browser. */
  async function deliver(logoutRequestUrl: string): Promise<string> {
    expect(logoutRequestUrl.startsWith(`${provider.endpoints.sloUrl}?`)).toBe(true);
    const answer = await new SsoBrowser(sso.iamUrl).visit(logoutRequestUrl);
    expect(answer.status).toBe(303);
    return answer.location;
  }

  const refresh = (refreshToken: string) =>
    call<TokenResponse>(sso.iamUrl, 'POST', '/iam/auth/refresh', { body: { refreshToken } });
  const me = async (accessToken: string) =>
    (await call(sso.iamUrl, 'GET', '/iam/me', { token: accessToken })).status;

  it('ends every sign-in of the NameID it names and answers with a signed LogoutResponse', async () => {
    const first = await signIn(dana.sub);
    const second = await signIn(dana.sub);
    const other = await signIn(fox.sub);
    expect(await me(first.accessToken)).toBe(200);

    const request = idp.logoutRequestUrl(dana.sub);
    const signature = new URL(request).searchParams;
    expect(signature.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(signature.get('Signature')).toBeTruthy();
    const location = await deliver(request);
    expect(location.startsWith(`${idp.sloUrl}?`)).toBe(true);
    expect(idp.readLogoutResponse(location)).toEqual({
      status: SUCCESS,
      inResponseTo: authnRequestId(request),
    });

    // Both refresh-token families of the user are revoked, and the access tokens issued before die.
    expect((await refresh(first.refreshToken)).status).toBe(401);
    expect((await refresh(second.refreshToken)).status).toBe(401);
    expect(await me(first.accessToken)).toBe(401);
    expect(await me(second.accessToken)).toBe(401);

    // Another user of the same provider (another NameID) keeps working.
    expect(await me(other.accessToken)).toBe(200);
    const refreshed = await refresh(other.refreshToken);
    expect(refreshed.status).toBe(200);
    expect(await me(refreshed.body.accessToken)).toBe(200);

    // The user may sign in again afterwards.
    expect(await me((await signIn(dana.sub)).accessToken)).toBe(200);
  });

  it('ends only the session a SessionIndex names', async () => {
    const first = await signIn(dana.sub);
    const second = await signIn(dana.sub);
    const [firstSession, secondSession] = idp.sessionsOf(dana.sub).slice(-2);
    expect(firstSession).not.toBe(secondSession);

    const request = idp.logoutRequestUrl(dana.sub, firstSession);
    const answer = idp.readLogoutResponse(await deliver(request));
    expect(answer).toEqual({ status: SUCCESS, inResponseTo: authnRequestId(request) });

    expect((await refresh(first.refreshToken)).status).toBe(401);
    expect(await me(first.accessToken)).toBe(401);
    // The other session's refresh token still works (its access token went with the user's token generation).
    const refreshed = await refresh(second.refreshToken);
    expect(refreshed.status).toBe(200);
    expect(await me(refreshed.body.accessToken)).toBe(200);
  });

  it('refuses a LogoutRequest whose signature was tampered with, and revokes nothing', async () => {
    const tokens = await signIn(dana.sub);
    const request = idp.logoutRequestUrl(dana.sub);
    // Replaced in the query as sent: re-encoding the rest would change what the signature covers.
    const forged = Buffer.from('not a signature').toString('base64');
    const tampered = request.replace(/([?&])Signature=[^&]*/, (_, separator: string) => {
      return `${separator}Signature=${encodeURIComponent(forged)}`;
    });
    expect(tampered).not.toBe(request);
    refusedWith(await deliver(tampered), 'sso_rejected');

    expect(await me(tokens.accessToken)).toBe(200);
    const refreshed = await refresh(tokens.refreshToken);
    expect(refreshed.status).toBe(200);
    expect(await me(refreshed.body.accessToken)).toBe(200);
  });

  // node-saml's validateRedirectAsync checks a redirect signature only when one is present: IAM itself must
  // refuse a LogoutRequest stripped of SigAlg and Signature, or anyone knowing a NameID could log its user out.
  it('refuses an unsigned LogoutRequest, and revokes nothing', async () => {
    const tokens = await signIn(dana.sub);
    const signed = new URL(idp.logoutRequestUrl(dana.sub));
    const unsigned = `${signed.origin}${signed.pathname}?${signed.search
      .slice(1)
      .split('&')
      .filter((pair) => !/^(SigAlg|Signature)=/.test(pair))
      .join('&')}`;
    refusedWith(await deliver(unsigned), 'sso_rejected');

    expect(await me(tokens.accessToken)).toBe(200);
    expect((await refresh(tokens.refreshToken)).status).toBe(200);
  });
});
