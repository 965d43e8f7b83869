import { randomUUID } from 'node:crypto';
import { BadGatewayException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import {
  type CreateIdentityProvider,
  DEFAULT_IDENTITY_CLAIMS,
  type GroupMapping,
  type IdentityProvider,
  type ListIdentityProvidersQuery,
  MAX_SAML_METADATA_LENGTH,
  type ServiceProviderEndpoints,
  type UpdateIdentityProvider,
} from '@webstream/contracts';
import { createHttpClient, RequestValidationException } from '@webstream/service-kit';
import { type AxiosInstance, isAxiosError } from 'axios';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { contains, iso } from '../common/paging';
import { ScopedCrudService } from '../common/scoped-crud.service';
import { type Prisma } from '../generated/prisma/client';
import { GroupsRepository } from '../groups/groups.repository';
import { type IamSettings, InjectIamSettings } from '../settings/iam-settings';
import { targetOrg } from '../tenancy/tenant-scope';
import {
  type IdentityProviderWithMappings,
  IdentityProvidersRepository,
} from './identity-providers.repository';
import { ProviderAddressRefused, ProviderEgress } from './provider-egress';
import { ProviderSecrets } from './provider-secrets';
import { type IdpMetadata, parseIdpMetadata } from './saml-metadata';
import { serviceProviderKeyPair } from './sp-keys';

const METADATA_FETCH_TIMEOUT_MS = 10_000;

/** WebStream's URLs for one provider, under the public URL browsers reach it at. */
function serviceProviderEndpoints(publicUrl: string, providerId: string): ServiceProviderEndpoints {
  const base = `${publicUrl}/iam/auth/sso/${providerId}`;
  return {
    redirectUri: `${base}/callback`,
    postLogoutRedirectUri: `${publicUrl}/sign-in`,
    spEntityId: `${base}/saml/metadata`,
    acsUrl: `${base}/saml/acs`,
    sloUrl: `${base}/saml/slo`,
    spMetadataUrl: `${base}/saml/metadata`,
  };
}

@Injectable()
export class IdentityProvidersService extends ScopedCrudService<
  IdentityProviderWithMappings,
  IdentityProvider,
  CreateIdentityProvider,
  UpdateIdentityProvider,
  ListIdentityProvidersQuery,
  Prisma.IdentityProviderWhereInput
> {
  private readonly metadataClient: AxiosInstance;

  constructor(
    private readonly providers: IdentityProvidersRepository,
    private readonly groups: GroupsRepository,
    private readonly secrets: ProviderSecrets,
    private readonly egress: ProviderEgress,
    @InjectIamSettings() private readonly settings: IamSettings,
    audit: AuditTrail,
    changes: IamChanges,
  ) {
    super(providers, audit, changes, {
      auditType: 'identity-provider',
      label: 'identity provider',
      // Who is entitled to what follows group memberships, which change at sign-in, not when this does.
      feedsEntitlements: false,
      toItem: (row) => this.toIdentityProvider(row),
      filter: (query) => (query.q === undefined ? {} : { name: contains(query.q) }),
    });
    this.metadataClient = createHttpClient({
      timeout: METADATA_FETCH_TIMEOUT_MS,
      responseType: 'text',
      maxContentLength: MAX_SAML_METADATA_LENGTH,
      // A redirect's target would skip the check of an IP literal.
      maxRedirects: 0,
      ...egress.agents,
    });
  }

  /** The public URL the endpoints are built on; a provider cannot be used without it. */
  publicUrl(): string {
    const publicUrl = this.settings.sso.publicUrl;
    if (publicUrl === undefined) {
      throw new ConflictException(
        'accessManagement.publicUrl (or gateway.publicUrl) is not set: identity providers need the URL browsers come back to',
      );
    }
    return publicUrl;
  }

  /** WebStream's URLs for the provider: what it registers at the provider, and what the flows are built on. */
  endpoints(providerId: string): ServiceProviderEndpoints {
    return serviceProviderEndpoints(this.publicUrl(), providerId);
  }

  protected override async insert(
    actor: Actor,
    body: CreateIdentityProvider,
  ): Promise<IdentityProviderWithMappings> {
    this.publicUrl();
    const orgId = targetOrg(actor, body.orgId);
    await this.assertGroups(orgId, body.groupMappings);
    const id = randomUUID();
    const claims = { ...DEFAULT_IDENTITY_CLAIMS[body.kind], ...body.claims };
    const common = {
      id,
      orgId,
      name: body.name,
      kind: body.kind,
      enabled: body.enabled,
      jitProvisioning: body.jitProvisioning,
      usernameClaim: claims.username,
      displayNameClaim: claims.displayName,
      emailClaim: claims.email,
      groupsClaim: claims.groups,
    };
    if (body.kind === 'oidc') {
      const { oidc } = body;
      this.assertCalledUrl('oidc.issuer', oidc.issuer);
      return this.providers.createWithMappings(
        {
          ...common,
          oidcIssuer: oidc.issuer,
          oidcClientId: oidc.clientId,
          oidcClientSecret:
            oidc.clientSecret === undefined
              ? null
              : this.secrets.seal(id, 'oidcClientSecret', oidc.clientSecret),
          oidcScopes: oidc.scopes,
        },
        body.groupMappings,
      );
    }
    const metadata = await this.idpMetadata(body.saml);
    const spKeys = await serviceProviderKeyPair();
    return this.providers.createWithMappings(
      {
        ...common,
        ...this.samlColumns(body.saml.metadataUrl, metadata),
        samlSpCertificate: spKeys.certificate,
        samlSpPrivateKey: this.secrets.seal(id, 'samlSpPrivateKey', spKeys.privateKey),
      },
      body.groupMappings,
    );
  }

  protected override async change(
    _actor: Actor,
    current: IdentityProviderWithMappings,
    body: UpdateIdentityProvider,
  ): Promise<IdentityProviderWithMappings> {
    if (body.oidc !== undefined && current.kind !== 'oidc') {
      throw new RequestValidationException([{ path: 'oidc', message: 'this provider is a SAML provider' }]);
    }
    if (body.saml !== undefined && current.kind !== 'saml') {
      throw new RequestValidationException([{ path: 'saml', message: 'this provider is an OIDC provider' }]);
    }
    if (body.groupMappings !== undefined) await this.assertGroups(current.orgId, body.groupMappings);
    const data: Prisma.IdentityProviderUncheckedUpdateInput = {
      name: body.name,
      enabled: body.enabled,
      jitProvisioning: body.jitProvisioning,
      usernameClaim: body.claims?.username,
      displayNameClaim: body.claims?.displayName,
      emailClaim: body.claims?.email,
      groupsClaim: body.claims?.groups,
    };
    if (body.oidc !== undefined) {
      const { issuer, clientId, clientSecret, scopes } = body.oidc;
      if (issuer !== undefined) this.assertCalledUrl('oidc.issuer', issuer);
      Object.assign(data, {
        oidcIssuer: issuer,
        oidcClientId: clientId,
        oidcScopes: scopes,
        oidcClientSecret:
          clientSecret === undefined
            ? undefined
            : clientSecret === null
              ? null
              : this.secrets.seal(current.id, 'oidcClientSecret', clientSecret),
      });
    }
    if (body.saml !== undefined) {
      Object.assign(data, this.samlColumns(body.saml.metadataUrl, await this.idpMetadata(body.saml)));
    }
    return this.providers.updateWithMappings(current.id, data, body.groupMappings);
  }

  private toIdentityProvider(row: IdentityProviderWithMappings): IdentityProvider {
    return {
      id: row.id,
      orgId: row.orgId,
      name: row.name,
      kind: row.kind,
      enabled: row.enabled,
      jitProvisioning: row.jitProvisioning,
      claims: {
        username: row.usernameClaim,
        displayName: row.displayNameClaim,
        email: row.emailClaim,
        groups: row.groupsClaim,
      },
      groupMappings: row.groupMappings.map(({ externalGroup, groupId }) => ({ externalGroup, groupId })),
      oidc:
        row.kind === 'oidc'
          ? {
              issuer: row.oidcIssuer ?? '',
              clientId: row.oidcClientId ?? '',
              clientSecretSet: row.oidcClientSecret !== null,
              scopes: row.oidcScopes,
            }
          : null,
      saml:
        row.kind === 'saml'
          ? {
              metadataUrl: row.samlMetadataUrl,
              idpEntityId: row.samlIdpEntityId ?? '',
              ssoUrl: row.samlSsoUrl ?? '',
              sloUrl: row.samlSloUrl,
              idpCertificates: row.samlIdpCertificates,
              spCertificate: row.samlSpCertificate ?? '',
            }
          : null,
      endpoints: this.endpoints(row.id),
      createdAt: iso(row.createdAt),
      updatedAt: iso(row.updatedAt),
    };
  }

  private samlColumns(metadataUrl: string | undefined, metadata: IdpMetadata) {
    return {
      samlMetadataUrl: metadataUrl ?? null,
      samlIdpEntityId: metadata.entityId,
      samlSsoUrl: metadata.ssoUrl,
      samlSloUrl: metadata.sloUrl,
      samlIdpCertificates: metadata.certificates,
    };
  }

  private async idpMetadata(saml: { metadataXml?: string; metadataUrl?: string }): Promise<IdpMetadata> {
    if (saml.metadataXml !== undefined)
      return this.checkedMetadata(parseIdpMetadata(saml.metadataXml, 'saml.metadataXml'), 'saml.metadataXml');
    const url = saml.metadataUrl!;
    this.assertCalledUrl('saml.metadataUrl', url);
    let xml: string;
    try {
      xml = (await this.metadataClient.get<string>(url)).data;
    } catch (error) {
      if (isAxiosError(error) && error.cause instanceof ProviderAddressRefused) {
        throw new RequestValidationException([{ path: 'saml.metadataUrl', message: error.cause.message }]);
      }
      throw new BadGatewayException(
        // Only the HTTP status: what failed further in (a refused connection, a parse error) would let the
        // caller map the network IAM sits in.
        `saml.metadataUrl: the IdP metadata could not be read${
          isAxiosError(error) && error.response !== undefined ? ` (HTTP ${error.response.status})` : ''
        }`,
      );
    }
    return this.checkedMetadata(parseIdpMetadata(xml, 'saml.metadataUrl'), 'saml.metadataUrl');
  }

  private checkedMetadata(metadata: IdpMetadata, field: string): IdpMetadata {
    this.assertProviderUrl(field, metadata.ssoUrl);
    if (metadata.sloUrl !== null) this.assertProviderUrl(field, metadata.sloUrl);
    return metadata;
  }

  /** Provider URLs are https: the browser's sign-in and the provider's answers travel on them. */
  private assertProviderUrl(field: string, url: string): void {
    if (!this.settings.sso.allowHttpProviders && new URL(url).protocol !== 'https:') {
      throw new RequestValidationException([
        {
          path: field,
          message: `must be https (${url}); accessManagement.sso.allowHttpProviders allows http in a lab`,
        },
      ]);
    }
  }

  /** A URL IAM itself calls: a provider URL, and not an IP literal of an address IAM may not call. */
  private assertCalledUrl(field: string, url: string): void {
    this.assertProviderUrl(field, url);
    const refused = this.egress.refusal(url);
    if (refused !== undefined)
      throw new RequestValidationException([{ path: field, message: refused.message }]);
  }

  /** Mapped groups must be the provider's organization's own; any other answers 404. */
  private async assertGroups(orgId: string, mappings: readonly GroupMapping[]): Promise<void> {
    for (const groupId of new Set(mappings.map((mapping) => mapping.groupId))) {
      if (!(await this.groups.existsIn(orgId, groupId))) {
        throw new NotFoundException(`groupMappings: group ${groupId} does not exist`);
      }
    }
  }
}
