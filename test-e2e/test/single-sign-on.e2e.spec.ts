import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type IdentityProvider, SSO_COOKIE } from '@webstream/contracts';
import { type Browser, chromium, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestIdentity, type TestOidcProvider, type TestSamlIdp, until } from '@webstream/testing';
import { type AllInOne, startAllInOne } from '../src/all-in-one';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  framesDrawn,
  newTestPage,
  sessionHostHealthy,
  type TestPage,
} from '../src/browser';
import { login } from '../src/cluster-client';
import {
  createSsoOrganization,
  PROVIDER_GROUP,
  type SsoOrganization,
  startOidcFor,
  startSamlFor,
} from '../src/sso-setup';

/** Screenshots of every step, kept as the run's artifacts (test-e2e/test-results is not committed). */
const ARTIFACTS = resolve(__dirname, '..', 'test-results', 'single-sign-on');
const UI_TIMEOUT = 60_000;
/** What the sign-in page says when IAM refuses a provider's answer (web-client sso.ts, sso_rejected). */
const REJECTED = "WebStream could not accept the identity provider's answer.";

const alice: TestIdentity = {
  sub: 'alice',
  username: 'alice',
  name: 'Alice Liddell',
  email: 'alice@sso.example',
  groups: [PROVIDER_GROUP, 'everyone'],
};
const carol: TestIdentity = {
  sub: 'carol',
  username: 'carol',
  name: 'Carol Danvers',
  email: 'carol@sso.example',
  groups: [PROVIDER_GROUP],
};
const mallory: TestIdentity = {
  sub: 'mallory',
  username: 'mallory',
  name: 'Mallory',
  email: 'mallory@sso.example',
  groups: [PROVIDER_GROUP],
};

// Single sign-on (issue 21) as its users meet it: `webstream all` (IAM built into the gateway, a real session
// host), the web client the gateway serves, a real Chromium, and real test identity providers. The providers
// run on `localhost` and WebStream is opened at 127.0.0.1, two sites, so the browser applies its cross-site
// cookie rules to IAM's SameSite=Lax sign-in cookie exactly as it would in production. Every step leaves a
// screenshot under test-results/single-sign-on.
describe('single sign-on in Chromium, through the real gateway', () => {
  let stack: AllInOne;
  let gatewayUrl: string;
  let browser: Browser;
  let org: SsoOrganization;
  let oidc: { provider: IdentityProvider; idp: TestOidcProvider } | undefined;
  let saml: { provider: IdentityProvider; idp: TestSamlIdp } | undefined;
  /** Alice's tab: signed in by the first test, signed out and in again by the second. */
  let aliceTab: TestPage | undefined;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    // The test identity providers are served over http, on this machine's loopback.
    stack = await startAllInOne('single-sign-on', {
      WEBSTREAM__ACCESSMANAGEMENT__SSO__ALLOWHTTPPROVIDERS: 'true',
      WEBSTREAM__ACCESSMANAGEMENT__SSO__ALLOWEDPROVIDERNETWORKS: '[127.0.0.0/8, "::1"]',
    });
    gatewayUrl = stack.gatewayUrl;
    const adminPassword = stack.passwordOf('admin');
    const adminToken = await login(gatewayUrl, 'admin', adminPassword);
    org = await createSsoOrganization(gatewayUrl, adminToken);
    oidc = await startOidcFor(gatewayUrl, adminToken, org, 'Acme OIDC', [alice, mallory]);
    saml = await startSamlFor(gatewayUrl, adminToken, org, 'Acme SAML', [carol]);
    // The session host must be registered and healthy before a launch can be placed.
    await sessionHostHealthy(gatewayUrl, adminPassword);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await oidc?.idp.stop();
    await saml?.idp.stop();
    await stack?.stop();
  });

  const newPage = (name: string) => newTestPage(browser, ARTIFACTS, name);
  const originOf = (url: string) => new URL(url).origin;

  /** From WebStream's sign-in page to the provider's own: the provider's login form is showing. */
  async function startSignIn(page: Page, providerName: string, providerOrigin: string): Promise<void> {
    await page.getByRole('link', { name: `Sign in with ${providerName}` }).click();
    await page.waitForURL((url) => url.origin === providerOrigin, { timeout: UI_TIMEOUT });
    await page.getByLabel('Username', { exact: true }).waitFor({ timeout: UI_TIMEOUT });
  }

  /** At the provider's login form: signs `sub` in there, and the provider hands the browser back. */
  async function signInAtProvider(page: Page, sub: string): Promise<void> {
    await page.getByLabel('Username', { exact: true }).fill(sub);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** WebStream's header: whose session this page is. */
  const signedInAs = (page: Page, username: string) =>
    page.getByRole('banner').getByText(username, { exact: true }).waitFor({ timeout: UI_TIMEOUT });

  it('signs a user in with OpenID Connect from the sign-in page; the provider group maps to the workspace, which launches and streams', async () => {
    const { page, shot, errors } = (aliceTab = await newPage('oidc'));
    const idpOrigin = originOf(oidc!.idp.issuer);
    await page.goto(`${gatewayUrl}/?org=${org.slug}`);
    await startSignIn(page, 'Acme OIDC', idpOrigin);
    await shot('provider-login');
    await signInAtProvider(page, alice.sub);

    const workspace = page.getByRole('article', { name: org.workspace });
    await workspace.waitFor({ timeout: UI_TIMEOUT });
    await signedInAs(page, alice.username);
    // The landing traded its one-time code and left neither it nor /sign-in in the address bar.
    expect(page.url()).toBe(`${gatewayUrl}/`);
    await shot('signed-in');

    // The workspace the mapped group is entitled to launches: the session page streams its xterm.
    await workspace.getByRole('button', { name: `Launch ${org.application}` }).click();
    await page.getByLabel('Remote display').waitFor({ timeout: UI_TIMEOUT });
    await until(
      'frames on the canvas',
      async () => ((await framesDrawn(page)) > 0 ? true : undefined),
      UI_TIMEOUT,
      250,
    );
    await shot('session-streaming');
    await page.getByRole('button', { name: 'End session' }).click();
    await workspace.waitFor({ timeout: UI_TIMEOUT });
    expect(errors).toEqual([]);
  });

  it('takes the workspace away at the next sign-in once the provider removes the user from the group; signing out ends the provider session too', async () => {
    expect(aliceTab, 'the OpenID Connect sign-in test runs first and leaves Alice signed in').toBeDefined();
    const { page, shot, errors } = aliceTab!;
    const idpOrigin = originOf(oidc!.idp.issuer);
    oidc!.idp.setIdentity({ ...alice, groups: ['everyone'] });

    const visited: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    // Through the provider's logout, which brings the browser back to WebStream's sign-in page, signed out.
    await page.waitForURL(`${gatewayUrl}/sign-in`, { timeout: UI_TIMEOUT });
    await page.getByLabel(/^User name( \*)?$/).waitFor({ timeout: UI_TIMEOUT });
    expect(visited.some((url) => originOf(url) === idpOrigin)).toBe(true);
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await shot('signed-out');

    // The organization of the last sign-in is offered again. The provider asks who is there: its session ended.
    await startSignIn(page, 'Acme OIDC', idpOrigin);
    await shot('provider-login-again');
    await signInAtProvider(page, alice.sub);

    await page
      .getByText('No workspaces are available to you yet', { exact: false })
      .waitFor({ timeout: UI_TIMEOUT });
    await signedInAs(page, alice.username);
    expect(await page.getByRole('article', { name: org.workspace }).count()).toBe(0);
    await shot('workspace-gone');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('signs a user in with SAML: the assertion comes back in a cross-site POST without the cookie, and the code is traded with it', async () => {
    const { page, shot, errors } = await newPage('saml');
    const { acsUrl } = saml!.provider.endpoints;
    const seen: Request[] = [];
    page.on('request', (request) => {
      if (request.url() === acsUrl || request.url() === `${gatewayUrl}/iam/auth/sso/exchange`) {
        seen.push(request);
      }
    });
    await page.goto(`${gatewayUrl}/?org=${org.slug}`);
    await startSignIn(page, 'Acme SAML', originOf(saml!.idp.ssoUrl));
    await shot('idp-login');
    await signInAtProvider(page, carol.sub);

    const workspace = page.getByRole('article', { name: org.workspace });
    await workspace.waitFor({ timeout: UI_TIMEOUT });
    await signedInAs(page, carol.username);
    await workspace.getByRole('button', { name: `Launch ${org.application}` }).waitFor();
    await shot('signed-in');

    const cookieOf = async (request: Request) => (await request.headerValue('cookie')) ?? '';
    const acs = seen.filter((request) => request.url() === acsUrl);
    const exchange = seen.filter((request) => request.url() !== acsUrl);
    expect(acs.map((request) => request.method())).toEqual(['POST']);
    // SameSite=Lax: the browser kept IAM's cookie off the IdP's cross-site POST…
    expect(await cookieOf(acs[0]!)).not.toContain(`${SSO_COOKIE}=`);
    // …and sent it with the web client's same-site exchange, which is where the sign-in is bound to it.
    expect(exchange.map((request) => request.method())).toEqual(['POST']);
    expect(await cookieOf(exchange[0]!)).toContain(`${SSO_COOKIE}=`);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("refuses a provider's answer this browser did not ask for, and says so on the sign-in page", async () => {
    const { page, shot, errors } = await newPage('forged');
    const idpOrigin = originOf(oidc!.idp.issuer);
    // This browser starts a sign-in of its own (IAM's cookie is set) and is at the provider's login form.
    await page.goto(`${gatewayUrl}/?org=${org.slug}`);
    await startSignIn(page, 'Acme OIDC', idpOrigin);

    // Mallory's genuine answer, from a sign-in Mallory started in a user agent of their own, is slipped to it
    // (login CSRF): the cookie this browser sends with it is not the one that sign-in was started with.
    const start = await fetch(`${gatewayUrl}/iam/auth/sso/${oidc!.provider.id}/start`, {
      redirect: 'manual',
    });
    expect(start.status).toBe(302);
    const answer = await oidc!.idp.signIn(start.headers.get('location')!, mallory.sub);
    expect(answer.searchParams.get('code')).toBeTruthy();

    // Once with a state IAM never issued, once as it came. The page says the same in both cases; the gateway's
    // log says which check refused the answer.
    const forgedState = new URL(answer);
    forgedState.searchParams.set('state', 'a-state-iam-never-issued');
    for (const [step, callback, reason] of [
      ['forged-state', forgedState, 'this sign-in was not started here'],
      ['other-browser', answer, 'this sign-in was started in another browser'],
    ] as const) {
      await page.goto(callback.toString());
      await page.getByRole('alert').filter({ hasText: REJECTED }).waitFor({ timeout: UI_TIMEOUT });
      // The refusal is not left in the address bar to be replayed.
      await page.waitForURL(`${gatewayUrl}/sign-in`, { timeout: UI_TIMEOUT });
      await shot(step);
      await until(
        `the gateway to log the refusal (${reason})`,
        () => stack.run.output().includes(`single sign-on refused: ${reason}`),
        UI_TIMEOUT,
        250,
      );
    }

    // Nobody was signed in: the way back leads to the sign-in form.
    await page.getByRole('link', { name: 'Back to sign in' }).click();
    await page.getByLabel(/^User name( \*)?$/).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await shot('back-to-sign-in');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
