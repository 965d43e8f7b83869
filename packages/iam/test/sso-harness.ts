import { randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import {
  type IdentityProvider,
  SSO_COOKIE,
  SSO_LANDING_PATH,
  type TokenResponse,
} from '@webstream/contracts';
import { call, startTestSamlIdp, type TestIdentity, type TestSamlIdp } from '@webstream/testing';
import { expect } from 'vitest';
import { type IamFixture, type IamInstance, login, startIamFixture } from './iam-harness';

/** The public URL IAM builds its redirect URIs on; requests for it are sent to the IAM under test instead. */
export const PUBLIC_URL = 'http://webstream.test';

/** Where the browser was sent at the end of a sign-in: the landing page's fragment. */
export type Landing = { code: string; returnTo: string } | { error: string; description: string };

/**
 * One browser as IAM sees it: its own cookie jar (IAM's sign-in cookie only) and no redirect following, so a
 * test sees each hop.
 */
export class SsoBrowser {
  private cookie: string | undefined;

  constructor(private readonly iamUrl: string) {}

  /** GET a URL on IAM (the public URL is mapped onto the IAM under test); the Location it answers. */
  async visit(url: string): Promise<{ status: number; location: string }> {
    const response = await fetch(this.onIam(url), {
      redirect: 'manual',
      headers: this.cookie === undefined ? {} : { cookie: `${SSO_COOKIE}=${this.cookie}` },
    });
    this.keepCookie(response);
    return { status: response.status, location: response.headers.get('location') ?? '' };
  }

  /** POST an HTML form (a SAML HTTP-POST binding) to IAM; the Location it answers. */
  async postForm(
    url: string,
    fields: Record<string, string | undefined>,
  ): Promise<{ status: number; location: string }> {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.set(name, value);
    const response = await fetch(this.onIam(url), {
      method: 'POST',
      redirect: 'manual',
      // Cross-site: the browser does not send IAM's SameSite=Lax cookie on an IdP's form post.
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    return { status: response.status, location: response.headers.get('location') ?? '' };
  }

  /** Trades a landing page's code for tokens, as the web client does. */
  exchange(code: string) {
    return call<TokenResponse>(this.iamUrl, 'POST', '/iam/auth/sso/exchange', {
      body: { code },
      headers: this.cookie === undefined ? {} : { cookie: `${SSO_COOKIE}=${this.cookie}` },
    });
  }

  /** A browser that never started a sign-in: another cookie. */
  withAnotherCookie(): SsoBrowser {
    const other = new SsoBrowser(this.iamUrl);
    other.cookie = randomBytes(32).toString('base64url');
    return other;
  }

  private keepCookie(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';').map((part) => part.trim());
      const [name, value] = pair!.split('=');
      if (name !== SSO_COOKIE) continue;
      expect(attributes.map((attribute) => attribute.toLowerCase())).toEqual(
        expect.arrayContaining(['httponly', 'samesite=lax', 'path=/iam/auth/sso']),
      );
      this.cookie = value;
    }
  }

  private onIam(url: string): string {
    return url.startsWith(PUBLIC_URL) ? `${this.iamUrl}${url.slice(PUBLIC_URL.length)}` : url;
  }
}

export function landing(location: string): Landing {
  const url = new URL(location);
  expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}${SSO_LANDING_PATH}`);
  const fragment = new URLSearchParams(url.hash.slice(1));
  const code = fragment.get('code');
  if (code !== null) return { code, returnTo: fragment.get('returnTo') ?? '/' };
  return { error: fragment.get('error') ?? '', description: fragment.get('error_description') ?? '' };
}

export function refusedWith(location: string, error: string): string {
  const answer = landing(location);
  if (!('error' in answer)) throw new Error(`expected a refusal (${error}), got a code`);
  expect(answer.error).toBe(error);
  return answer.description;
}

export function codeOf(location: string): string {
  const answer = landing(location);
  if ('error' in answer) throw new Error(`the sign-in was refused: ${answer.error}: ${answer.description}`);
  return answer.code;
}

/** The ID of the AuthnRequest in an HTTP-Redirect binding URL: what a response answers (InResponseTo). */
export function authnRequestId(redirectUrl: string): string {
  const request = new URL(redirectUrl).searchParams.get('SAMLRequest') ?? '';
  const xml = inflateRawSync(Buffer.from(request, 'base64')).toString('utf8');
  const id = /\sID="([^"]+)"/.exec(xml)?.[1];
  if (id === undefined) throw new Error(`no request ID in ${xml}`);
  return id;
}

/** The test identity providers are served over http on this machine's loopback. */
export const LAB_SSO = { allowHttpProviders: true, allowedProviderNetworks: ['127.0.0.0/8', '::1'] };

/** IAM on a database of its own with an organization to sign into, its admin signed in. */
export interface SsoFixture {
  fixture: IamFixture;
  /** What IAM seals provider secrets with: another instance over the same database needs it to open them. */
  secretsKey: string;
  iamUrl: string;
  adminToken: string;
  orgId: string;
  orgSlug: string;
  /** A group of the organization with a workspace entitled to it: what a mapped provider group grants. */
  engineers: { groupId: string; workspaceId: string };
}

export async function startSsoFixture(prefix: string): Promise<SsoFixture> {
  const secretsKey = randomBytes(32).toString('hex');
  const fixture = await startIamFixture(prefix, { publicUrl: PUBLIC_URL, secretsKey, sso: LAB_SSO });
  const iamUrl = fixture.iam.url;
  const adminToken = (await login(iamUrl, fixture.admin.username, fixture.admin.password)).accessToken;
  const orgSlug = `acme-${randomBytes(3).toString('hex')}`;
  const as = async <T>(method: string, path: string, body: unknown): Promise<T> => {
    const answer = await call<T>(iamUrl, method, path, { token: adminToken, body });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body;
  };
  const org = await as<{ id: string }>('POST', '/iam/organizations', { name: 'Acme', slug: orgSlug });
  const group = await as<{ id: string }>('POST', '/iam/groups', { orgId: org.id, name: 'Engineers' });
  const application = await as<{ id: string }>('POST', '/iam/applications', {
    orgId: org.id,
    name: 'Terminal',
    exe: '/usr/bin/xterm',
  });
  const workspace = await as<{ id: string }>('POST', '/iam/workspaces', {
    orgId: org.id,
    name: 'Engineering desk',
    applicationIds: [application.id],
  });
  await as('POST', '/iam/entitlements', { workspaceId: workspace.id, groupId: group.id });
  return {
    fixture,
    secretsKey,
    iamUrl,
    adminToken,
    orgId: org.id,
    orgSlug,
    engineers: { groupId: group.id, workspaceId: workspace.id },
  };
}

/** Another IAM over the fixture's database that allows no internal network: the test providers are refused. */
export function startPublicOnlyIam(sso: SsoFixture): Promise<IamInstance> {
  return sso.fixture.startInstance({
    publicUrl: PUBLIC_URL,
    secretsKey: sso.secretsKey,
    sso: { allowHttpProviders: true },
  });
}

/** How IAM says a provider URL is at an address it may not call. */
export const NOT_PUBLIC = /is not at a public address; accessManagement\.sso\.allowedProviderNetworks/;

export async function createProvider(
  sso: SsoFixture,
  body: Record<string, unknown>,
): Promise<IdentityProvider> {
  const answer = await call<IdentityProvider>(sso.iamUrl, 'POST', '/iam/identity-providers', {
    token: sso.adminToken,
    body: { orgId: sso.orgId, ...body },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

/** The names of the workspaces a signed-in user may launch. */
export async function workspacesOf(iamUrl: string, accessToken: string): Promise<string[]> {
  const answer = await call<{ items: { name: string }[] }>(iamUrl, 'GET', '/iam/me/workspaces', {
    token: accessToken,
  });
  expect(answer.status).toBe(200);
  return answer.body.items.map((workspace) => workspace.name);
}

/**
 * A test SAML IdP and WebStream's provider for it (user names from the `username` attribute, provider group
 * `eng` mapped to the fixture's engineers), each told the other's URLs and certificates.
 */
export async function startSamlProvider(
  sso: SsoFixture,
  identities: TestIdentity[],
): Promise<{ idp: TestSamlIdp; provider: IdentityProvider }> {
  const idp = await startTestSamlIdp({ identities });
  const provider = await createProvider(sso, {
    name: 'Acme SAML',
    kind: 'saml',
    claims: { username: 'username' },
    saml: { metadataUrl: idp.metadataUrl },
    groupMappings: [{ externalGroup: 'eng', groupId: sso.engineers.groupId }],
  });
  idp.setServiceProvider({
    entityId: provider.endpoints.spEntityId,
    acsUrl: provider.endpoints.acsUrl,
    sloUrl: provider.endpoints.sloUrl,
    // What WebStream's metadata publishes: the IdP checks WebStream's LogoutResponses with it.
    certificatePem: provider.saml!.spCertificate,
  });
  return { idp, provider };
}
