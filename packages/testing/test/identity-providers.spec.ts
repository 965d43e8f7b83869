import { inflateRawSync } from 'node:zlib';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestOidcProvider,
  startTestSamlIdp,
  type TestIdentity,
  type TestOidcProvider,
  type TestSamlIdp,
} from '../src';
import { generateSigningKey } from '../src/identity-providers/saml-response';

const alice: TestIdentity = {
  sub: 'alice',
  username: 'alice',
  name: 'Alice Example',
  email: 'alice@example.test',
  groups: ['admins', 'viewers'],
};

// The relying party lives on another site than the IdP (127.0.0.1 against localhost), as in the end-to-end tests.
const rp = 'http://127.0.0.1:3999';

describe('the test OpenID Connect provider, with openid-client as the relying party', () => {
  let provider: TestOidcProvider;
  let config: client.Configuration;

  beforeAll(async () => {
    provider = await startTestOidcProvider({
      clients: [
        {
          clientId: 'webstream',
          clientSecret: 'a-secret',
          redirectUris: [`${rp}/auth/oidc/callback`],
          postLogoutRedirectUris: [`${rp}/signed-out`],
        },
        { clientId: 'public-app', redirectUris: [`${rp}/app/callback`] },
      ],
      identities: [alice],
    });
    config = await client.discovery(new URL(provider.issuer), 'webstream', 'a-secret', undefined, {
      execute: [client.allowInsecureRequests],
    });
    client.enableNonRepudiationChecks(config);
  });
  afterAll(() => provider.stop());

  /** One authorization-code flow with PKCE, state and nonce, up to the callback URL. */
  async function authorize(sub: string, rpConfig = config, redirectUri = `${rp}/auth/oidc/callback`) {
    const pkceCodeVerifier = client.randomPKCECodeVerifier();
    const expectedState = client.randomState();
    const expectedNonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(rpConfig, {
      redirect_uri: redirectUri,
      scope: 'openid profile email groups',
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state: expectedState,
      nonce: expectedNonce,
    });
    const callback = await provider.signIn(url.href, sub);
    return { callback, checks: { pkceCodeVerifier, expectedState, expectedNonce, idTokenExpected: true } };
  }

  it('signs a user in and puts the profile and the groups into the ID token, as they are at each sign-in', async () => {
    const { callback, checks } = await authorize('alice');
    expect(`${callback.origin}${callback.pathname}`).toBe(`${rp}/auth/oidc/callback`);
    expect(callback.searchParams.get('iss')).toBe(provider.issuer);

    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    expect(tokens.claims()).toMatchObject({
      iss: provider.issuer,
      sub: 'alice',
      aud: 'webstream',
      preferred_username: 'alice',
      name: 'Alice Example',
      email: 'alice@example.test',
      groups: ['admins', 'viewers'],
    });

    provider.setIdentity({ ...alice, groups: ['viewers'] });
    try {
      const next = await authorize('alice');
      const again = await client.authorizationCodeGrant(config, next.callback, next.checks);
      expect(again.claims()?.['groups']).toEqual(['viewers']);
    } finally {
      provider.setIdentity(alice);
    }
  });

  it('refuses a code a second time', async () => {
    const { callback, checks } = await authorize('alice');
    await client.authorizationCodeGrant(config, callback, checks);
    await expect(client.authorizationCodeGrant(config, callback, checks)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('serves a public client, which proves itself with PKCE alone', async () => {
    const publicConfig = await client.discovery(
      new URL(provider.issuer),
      'public-app',
      undefined,
      client.None(),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const { callback, checks } = await authorize('alice', publicConfig, `${rp}/app/callback`);
    const tokens = await client.authorizationCodeGrant(publicConfig, callback, checks);
    expect(tokens.claims()).toMatchObject({ sub: 'alice', aud: 'public-app' });
  });

  it('refuses a user it does not know', async () => {
    await expect(authorize('mallory')).rejects.toThrow(/no test user "mallory"/);
  });

  it('ends the session at the end-session endpoint and sends the user agent back to the relying party', async () => {
    const { callback, checks } = await authorize('alice');
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    const logout = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: `${rp}/signed-out`,
      state: 'bye',
    });
    const target = await provider.signOut(logout.href);
    expect(target.href).toBe(`${rp}/signed-out?state=bye`);
  });
});

describe('the test SAML IdP, with node-saml as the service provider', () => {
  const sp = { entityId: `${rp}/saml/sp`, acsUrl: `${rp}/auth/saml/acs`, sloUrl: `${rp}/auth/saml/slo` };
  let idp: TestSamlIdp;
  let saml: SAML;

  beforeAll(async () => {
    idp = await startTestSamlIdp({ identities: [alice] });
    // As IAM does: its ACS URL is only known once it runs.
    idp.setServiceProvider(sp);
    const spKey = await generateSigningKey('The SP');
    saml = new SAML({
      issuer: sp.entityId,
      callbackUrl: sp.acsUrl,
      logoutCallbackUrl: sp.sloUrl,
      entryPoint: idp.ssoUrl,
      logoutUrl: idp.sloUrl,
      idpCert: idp.certificatePem,
      idpIssuer: idp.entityId,
      audience: sp.entityId,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.always,
      signatureAlgorithm: 'sha256',
      privateKey: spKey.privateKeyPem,
      publicCert: spKey.certificatePem,
    });
  });
  afterAll(() => idp.stop());

  /** The ID of a fresh AuthnRequest, which node-saml now expects as InResponseTo. */
  async function requestId(): Promise<string> {
    const url = new URL(await saml.getAuthorizeUrlAsync('', undefined, {}));
    const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString();
    return /\bID="([^"]+)"/.exec(xml)?.[1] ?? '';
  }

  it('publishes its metadata', async () => {
    const served = await fetch(idp.metadataUrl);
    expect(await served.text()).toBe(idp.metadataXml);
    expect(idp.metadataXml).toContain(`entityID="${idp.entityId}"`);
    expect(idp.metadataXml).toMatch(
      /IDPSSODescriptor[\s\S]*KeyDescriptor use="signing"[\s\S]*X509Certificate>/,
    );
    for (const binding of ['HTTP-Redirect', 'HTTP-POST']) {
      expect(idp.metadataXml).toContain(
        `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="${idp.ssoUrl}"`,
      );
    }
    expect(idp.metadataXml).toContain(
      `SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${idp.sloUrl}"`,
    );
  });

  it('signs a user in with a signed assertion carrying the attributes and the groups', async () => {
    const post = await idp.signIn(
      await saml.getAuthorizeUrlAsync('back-to-catalogue', undefined, {}),
      'alice',
    );
    expect(post.acsUrl).toBe(sp.acsUrl);
    expect(post.RelayState).toBe('back-to-catalogue');

    const { profile, loggedOut } = await saml.validatePostResponseAsync({ SAMLResponse: post.SAMLResponse });
    expect(loggedOut).toBe(false);
    expect(profile).toMatchObject({
      issuer: idp.entityId,
      nameID: 'alice',
      username: 'alice',
      displayName: 'Alice Example',
      email: 'alice@example.test',
      groups: ['admins', 'viewers'],
    });
  });

  it('refuses a user it does not know, and an AuthnRequest from an SP it does not know', async () => {
    await expect(idp.signIn(await saml.getAuthorizeUrlAsync('', undefined, {}), 'mallory')).rejects.toThrow(
      /no test user "mallory"/,
    );
    const stranger = new SAML({
      issuer: 'https://stranger.test/sp',
      callbackUrl: sp.acsUrl,
      entryPoint: idp.ssoUrl,
      idpCert: idp.certificatePem,
    });
    await expect(idp.signIn(await stranger.getAuthorizeUrlAsync('', undefined, {}), 'alice')).rejects.toThrow(
      /from "https:\/\/stranger.test\/sp"/,
    );
  });

  it('forges responses that node-saml accepts only when nothing is wrong with them', async () => {
    const forged = async (knobs: Omit<Parameters<TestSamlIdp['forgeResponse']>[0], 'inResponseTo' | 'sub'>) =>
      saml.validatePostResponseAsync({
        SAMLResponse: idp.forgeResponse({ inResponseTo: await requestId(), sub: 'alice', ...knobs }),
      });

    await expect(forged({})).resolves.toMatchObject({ profile: { nameID: 'alice' } });
    await expect(forged({ signResponse: true })).resolves.toMatchObject({ profile: { nameID: 'alice' } });
    await expect(forged({ signAssertion: false })).rejects.toThrow(/signature/i);
    await expect(forged({ notOnOrAfter: new Date(Date.now() - 60_000) })).rejects.toThrow(
      /No valid subject confirmation/,
    );
    await expect(forged({ audience: 'https://elsewhere.test/sp' })).rejects.toThrow(/audience/i);
    await expect(forged({ signingKey: 'other' })).rejects.toThrow(/signature/i);
  });

  it('answers a LogoutRequest with a signed LogoutResponse the SP accepts', async () => {
    const url = await saml.getLogoutUrlAsync(
      {
        issuer: idp.entityId,
        nameID: 'alice',
        nameIDFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      },
      'after-logout',
      {},
    );
    const target = await idp.signOut(url);
    expect(`${target.origin}${target.pathname}`).toBe(sp.sloUrl);
    expect(target.searchParams.get('RelayState')).toBe('after-logout');
    expect(target.searchParams.get('Signature')).toBeTruthy();

    const { loggedOut } = await saml.validateRedirectAsync(
      Object.fromEntries(target.searchParams),
      target.search.slice(1),
    );
    expect(loggedOut).toBe(true);
  });
});
