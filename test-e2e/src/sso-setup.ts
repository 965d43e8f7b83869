// What the single sign-on e2e spec sets up through the real gateway's IAM API, as the platform admin: an
// organization whose provider group `eng` grants a workspace, and the test identity providers (on `localhost`,
// another site than WebStream's 127.0.0.1) registered with it the way an administrator would: WebStream's
// side first, whose endpoints then go to the provider.
import { randomBytes, randomUUID } from 'node:crypto';
import { type IdentityProvider } from '@webstream/contracts';
import {
  startTestOidcProvider,
  startTestSamlIdp,
  type TestIdentity,
  type TestOidcProvider,
  type TestSamlIdp,
} from '@webstream/testing';
import { expectAnswer } from './cluster-client';

/** The provider group that the organization maps to its IAM group. */
export const PROVIDER_GROUP = 'eng';

export interface SsoOrganization {
  orgId: string;
  slug: string;
  /** The IAM group the providers' `eng` is mapped to. */
  groupId: string;
  /** The workspace entitled to that group (and to nobody else), and its one application. */
  workspace: string;
  application: string;
}

/** An organization with a group, and an xterm application in a workspace entitled to that group. */
export async function createSsoOrganization(
  gatewayUrl: string,
  adminToken: string,
): Promise<SsoOrganization> {
  const suffix = randomUUID().slice(0, 8);
  const post = async <T>(path: string, body: unknown): Promise<T> =>
    (await expectAnswer<T>(gatewayUrl, 'POST', path, 201, { token: adminToken, body })).body;
  const slug = `sso-${suffix}`;
  const org = await post<{ id: string }>('/iam/organizations', { name: `SSO ${suffix}`, slug });
  const group = await post<{ id: string }>('/iam/groups', { orgId: org.id, name: 'Engineers' });
  const application = 'Terminal';
  const app = await post<{ id: string }>('/iam/applications', {
    orgId: org.id,
    name: application,
    exe: '/usr/bin/xterm',
    args: '',
  });
  const workspace = 'Engineering desk';
  const created = await post<{ id: string }>('/iam/workspaces', {
    orgId: org.id,
    name: workspace,
    applicationIds: [app.id],
  });
  await post('/iam/entitlements', { workspaceId: created.id, groupId: group.id });
  return { orgId: org.id, slug, groupId: group.id, workspace, application };
}

async function createProvider(
  gatewayUrl: string,
  adminToken: string,
  org: SsoOrganization,
  body: Record<string, unknown>,
): Promise<IdentityProvider> {
  const created = await expectAnswer<IdentityProvider>(gatewayUrl, 'POST', '/iam/identity-providers', 201, {
    token: adminToken,
    body: {
      orgId: org.orgId,
      groupMappings: [{ externalGroup: PROVIDER_GROUP, groupId: org.groupId }],
      ...body,
    },
  });
  return created.body;
}

/** An OIDC provider of the organization and the test provider it signs in with (client_secret_basic). */
export async function startOidcFor(
  gatewayUrl: string,
  adminToken: string,
  org: SsoOrganization,
  name: string,
  identities: TestIdentity[],
): Promise<{ provider: IdentityProvider; idp: TestOidcProvider }> {
  const clientSecret = randomBytes(24).toString('hex');
  // The redirect URI holds the provider's id: WebStream's side first, pointed at the provider once it runs.
  const draft = await createProvider(gatewayUrl, adminToken, org, {
    name,
    kind: 'oidc',
    oidc: { issuer: 'http://localhost:9/', clientId: 'webstream', clientSecret },
  });
  const idp = await startTestOidcProvider({
    clients: [
      {
        clientId: 'webstream',
        clientSecret,
        tokenEndpointAuthMethod: 'client_secret_basic',
        redirectUris: [draft.endpoints.redirectUri],
        postLogoutRedirectUris: [draft.endpoints.postLogoutRedirectUri],
      },
    ],
    identities,
  });
  try {
    const pointed = await expectAnswer<IdentityProvider>(
      gatewayUrl,
      'PATCH',
      `/iam/identity-providers/${draft.id}`,
      200,
      {
        token: adminToken,
        body: { oidc: { issuer: idp.issuer, scopes: ['openid', 'profile', 'email', 'groups'] } },
      },
    );
    return { provider: pointed.body, idp };
  } catch (error) {
    await idp.stop();
    throw error;
  }
}

/** A SAML provider of the organization, read from the test IdP's metadata URL, and that IdP. */
export async function startSamlFor(
  gatewayUrl: string,
  adminToken: string,
  org: SsoOrganization,
  name: string,
  identities: TestIdentity[],
): Promise<{ provider: IdentityProvider; idp: TestSamlIdp }> {
  const idp = await startTestSamlIdp({ identities });
  try {
    const provider = await createProvider(gatewayUrl, adminToken, org, {
      name,
      kind: 'saml',
      saml: { metadataUrl: idp.metadataUrl },
    });
    const { spEntityId, acsUrl, sloUrl } = provider.endpoints;
    idp.setServiceProvider({ entityId: spEntityId, acsUrl, sloUrl });
    return { provider, idp };
  } catch (error) {
    await idp.stop();
    throw error;
  }
}
