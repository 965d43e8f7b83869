import { z } from 'zod';
import { httpUrlSchema } from './common';
import {
  crudEndpoints,
  iamIdSchema,
  iamNameSchema,
  iamTimestampsSchema,
  nonEmptyPatch,
  pageOf,
  pageQuerySchema,
} from './iam-common';

export const identityProviderKindSchema = z.enum(['oidc', 'saml']);
export type IdentityProviderKind = z.infer<typeof identityProviderKindSchema>;

export const MAX_GROUP_MAPPINGS = 200;
export const MAX_SAML_METADATA_LENGTH = 256 * 1024;

/** A claim (OIDC) or attribute (SAML) name; for SAML, `nameID` means the subject's NameID. */
const claimNameSchema = z.string().trim().min(1).max(256);

/** Which of the provider's claims or attributes carry each user field. */
export const identityClaimsSchema = z.strictObject({
  username: claimNameSchema,
  displayName: claimNameSchema,
  email: claimNameSchema,
  groups: claimNameSchema,
});
export type IdentityClaims = z.infer<typeof identityClaimsSchema>;

/** What an organization's users are signed in with when nothing else is said, by kind. */
export const DEFAULT_IDENTITY_CLAIMS: Readonly<Record<IdentityProviderKind, IdentityClaims>> = {
  oidc: { username: 'preferred_username', displayName: 'name', email: 'email', groups: 'groups' },
  saml: { username: 'nameID', displayName: 'displayName', email: 'email', groups: 'groups' },
};

/** A group of the provider (as its group claim names it) whose members are made members of an IAM group. */
export const groupMappingSchema = z.strictObject({
  externalGroup: z.string().trim().min(1).max(256),
  groupId: iamIdSchema,
});
export type GroupMapping = z.infer<typeof groupMappingSchema>;

const groupMappingsSchema = z
  .array(groupMappingSchema)
  .max(MAX_GROUP_MAPPINGS)
  .refine(
    (mappings) =>
      new Set(mappings.map((mapping) => `${mapping.externalGroup}\u0000${mapping.groupId}`)).size ===
      mappings.length,
    'must not repeat a mapping',
  );

const scopeSchema = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/, 'must be an OAuth scope token');
const oidcScopesSchema = z
  .array(scopeSchema)
  .min(1)
  .max(32)
  .refine((scopes) => scopes.includes('openid'), 'must include openid')
  .refine((scopes) => new Set(scopes).size === scopes.length, 'must not repeat a scope');

const clientIdSchema = z.string().trim().min(1).max(512);
/** Write-only: stored sealed, never answered. */
const clientSecretSchema = z.string().min(1).max(4096);

export const oidcSettingsSchema = z.object({
  /** Discovered at `<issuer>/.well-known/openid-configuration`. */
  issuer: httpUrlSchema,
  clientId: clientIdSchema,
  /** Whether a client secret is kept; without one the client is public (PKCE only). */
  clientSecretSet: z.boolean(),
  scopes: z.array(z.string()),
});

export const samlSettingsSchema = z.object({
  /** Where the IdP metadata was read from, when it was given as a URL. */
  metadataUrl: httpUrlSchema.nullable(),
  idpEntityId: z.string(),
  ssoUrl: httpUrlSchema,
  sloUrl: httpUrlSchema.nullable(),
  /** The IdP's signing certificates (PEM), from its metadata. */
  idpCertificates: z.array(z.string()),
  /** WebStream's own certificate (PEM) for this provider: it signs logout requests. */
  spCertificate: z.string(),
});

/** What to register at the provider: WebStream's URLs for this provider. */
export const serviceProviderEndpointsSchema = z.object({
  /** OIDC: the redirect URI. */
  redirectUri: httpUrlSchema,
  /** OIDC: the post-logout redirect URI. */
  postLogoutRedirectUri: httpUrlSchema,
  /** SAML: the entity id (audience), the assertion consumer service (HTTP-POST) and single logout (HTTP-Redirect). */
  spEntityId: httpUrlSchema,
  acsUrl: httpUrlSchema,
  sloUrl: httpUrlSchema,
  spMetadataUrl: httpUrlSchema,
});
export type ServiceProviderEndpoints = z.infer<typeof serviceProviderEndpointsSchema>;

export const identityProviderSchema = z
  .object({
    id: iamIdSchema,
    orgId: iamIdSchema,
    name: iamNameSchema,
    kind: identityProviderKindSchema,
    enabled: z.boolean(),
    /** Creates a user on their first sign-in; off, only users already linked or pre-created may sign in. */
    jitProvisioning: z.boolean(),
    claims: identityClaimsSchema,
    groupMappings: z.array(groupMappingSchema),
    oidc: oidcSettingsSchema.nullable(),
    saml: samlSettingsSchema.nullable(),
    endpoints: serviceProviderEndpointsSchema,
  })
  .extend(iamTimestampsSchema.shape);
export type IdentityProvider = z.infer<typeof identityProviderSchema>;

export const createOidcSettingsSchema = z.strictObject({
  issuer: httpUrlSchema,
  clientId: clientIdSchema,
  clientSecret: clientSecretSchema.optional(),
  scopes: oidcScopesSchema.default(['openid', 'profile', 'email']),
});

/** The IdP's metadata, as the XML itself or the URL it is published at (read when the provider is saved). */
export const createSamlSettingsSchema = z
  .strictObject({
    metadataXml: z.string().min(1).max(MAX_SAML_METADATA_LENGTH).optional(),
    metadataUrl: httpUrlSchema.optional(),
  })
  .refine((saml) => (saml.metadataXml === undefined) !== (saml.metadataUrl === undefined), {
    message: 'give exactly one of metadataXml and metadataUrl',
    path: ['metadataXml'],
  });

const commonCreateShape = {
  orgId: iamIdSchema.optional(),
  name: iamNameSchema,
  enabled: z.boolean().default(true),
  jitProvisioning: z.boolean().default(true),
  /** Any field left out takes the kind's default (DEFAULT_IDENTITY_CLAIMS). */
  claims: identityClaimsSchema.partial().default({}),
  groupMappings: groupMappingsSchema.default([]),
};

export const createIdentityProviderSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...commonCreateShape, kind: z.literal('oidc'), oidc: createOidcSettingsSchema }),
  z.strictObject({ ...commonCreateShape, kind: z.literal('saml'), saml: createSamlSettingsSchema }),
]);
export type CreateIdentityProvider = z.infer<typeof createIdentityProviderSchema>;

/** The kind cannot change; `oidc` only for an OIDC provider, `saml` only for a SAML one. */
export const updateIdentityProviderSchema = nonEmptyPatch({
  name: iamNameSchema,
  enabled: z.boolean(),
  jitProvisioning: z.boolean(),
  claims: identityClaimsSchema.partial(),
  groupMappings: groupMappingsSchema,
  oidc: z
    .strictObject({
      issuer: httpUrlSchema,
      clientId: clientIdSchema,
      /** null removes the secret (a public client). */
      clientSecret: clientSecretSchema.nullable(),
      scopes: oidcScopesSchema,
    })
    .partial(),
  saml: createSamlSettingsSchema,
});
export type UpdateIdentityProvider = z.infer<typeof updateIdentityProviderSchema>;

export const listIdentityProvidersQuerySchema = pageQuerySchema;
export type ListIdentityProvidersQuery = z.infer<typeof listIdentityProvidersQuerySchema>;
export const identityProviderPageSchema = pageOf(identityProviderSchema);

export const identityProviderRoutes = crudEndpoints({
  base: '/iam/identity-providers',
  tag: 'identity-providers',
  singular: 'IdentityProvider',
  plural: 'IdentityProviders',
  listQuery: listIdentityProvidersQuerySchema,
  create: createIdentityProviderSchema,
  update: updateIdentityProviderSchema,
  item: identityProviderSchema,
  page: identityProviderPageSchema,
  created: identityProviderSchema,
});
