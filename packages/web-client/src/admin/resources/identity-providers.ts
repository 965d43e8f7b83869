import {
  type CreateIdentityProvider,
  createIdentityProviderSchema,
  createOidcSettingsSchema,
  createSamlSettingsSchema,
  DEFAULT_IDENTITY_CLAIMS,
  type GroupMapping,
  groupMappingSchema,
  type IdentityClaims,
  type IdentityProvider,
  type IdentityProviderKind,
  identityClaimsSchema,
  identityProviderRoutes,
  MAX_SAML_METADATA_LENGTH,
  type UpdateIdentityProvider,
} from '@webstream/contracts';
import { boolOf, type FormValues, listOf, optionalText, rawText, textOf } from '../kit/form-values';
import { type FieldSpec, type FormContext, type ResourceSpec } from '../kit/resource-spec';
import { nameField, organizationField, withOrg } from './common';
import { maxLengthOf } from './limits';

const oidcBody = createOidcSettingsSchema.shape;
const samlBody = createSamlSettingsSchema.shape;
const claimShape = identityClaimsSchema.shape;

const KIND_LABELS: Record<IdentityProviderKind, string> = { oidc: 'OpenID Connect', saml: 'SAML 2.0' };

const CLAIMS: readonly { key: keyof IdentityClaims; label: string }[] = [
  { key: 'username', label: 'User name claim' },
  { key: 'displayName', label: 'Display name claim' },
  { key: 'email', label: 'Email claim' },
  { key: 'groups', label: 'Groups claim' },
];

/** The group mappings editor's rows, as two lists of the same length (the form holds strings and lists). */
export const MAPPING_GROUPS = 'groupMappings.externalGroup';
export const MAPPING_TARGETS = 'groupMappings.groupId';
/** Not a field: whether the provider keeps a client secret, which the API never answers. */
const SECRET_SET = 'oidc.clientSecretSet';
const REMOVE_SECRET = 'oidc.removeClientSecret';

function kindOf(values: FormValues | undefined): IdentityProviderKind {
  return values !== undefined && textOf(values, 'kind') === 'saml' ? 'saml' : 'oidc';
}

function claimFields(kind: IdentityProviderKind): FieldSpec[] {
  return CLAIMS.map(({ key, label }) => ({
    name: `claims.${key}`,
    label,
    kind: 'text',
    section: kind === 'oidc' ? 'Claims' : 'Attributes',
    maxLength: maxLengthOf(claimShape[key]),
    placeholder: DEFAULT_IDENTITY_CLAIMS[kind][key],
    hint: `Empty: ${DEFAULT_IDENTITY_CLAIMS[kind][key]}.`,
  }));
}

function oidcFields(context: FormContext, secretSet: boolean): FieldSpec[] {
  const kept = context.mode === 'edit' && secretSet;
  return [
    {
      name: 'oidc.issuer',
      label: 'Issuer URL',
      kind: 'text',
      required: true,
      section: 'OpenID Connect',
      maxLength: maxLengthOf(oidcBody.issuer),
      hint: 'Its discovery document is read from <issuer>/.well-known/openid-configuration.',
    },
    {
      name: 'oidc.clientId',
      label: 'Client ID',
      kind: 'text',
      required: true,
      autoComplete: 'off',
      section: 'OpenID Connect',
      maxLength: maxLengthOf(oidcBody.clientId),
    },
    {
      name: 'oidc.clientSecret',
      label: 'Client secret',
      kind: 'password',
      autoComplete: 'new-password',
      section: 'OpenID Connect',
      maxLength: maxLengthOf(oidcBody.clientSecret.unwrap()),
      ...(kept ? { placeholder: 'kept' } : {}),
      hint: kept
        ? 'A secret is kept (it is never shown): leave empty to keep it.'
        : 'Leave empty for a public client (PKCE only).',
    },
    ...(kept
      ? [
          {
            name: REMOVE_SECRET,
            label: 'Remove the client secret',
            kind: 'checkbox',
            section: 'OpenID Connect',
            hint: 'The client becomes a public one (PKCE only).',
          } satisfies FieldSpec,
        ]
      : []),
    {
      name: 'oidc.scopes',
      label: 'Scopes',
      kind: 'text',
      section: 'OpenID Connect',
      hint: 'Separated by spaces; openid is required.',
    },
  ];
}

const samlFields: readonly FieldSpec[] = [
  {
    name: 'saml.metadataUrl',
    label: 'Metadata URL',
    kind: 'text',
    section: 'SAML',
    maxLength: maxLengthOf(samlBody.metadataUrl.unwrap()),
    hint: 'Where the identity provider publishes its metadata; read again when the provider is saved.',
  },
  {
    name: 'saml.metadataXml',
    label: 'Metadata XML',
    kind: 'textarea',
    section: 'SAML',
    maxLength: MAX_SAML_METADATA_LENGTH,
    hint: 'Or the metadata itself, pasted: it is taken instead of the URL.',
  },
];

/** The form's fields for the kind in `values` (OIDC until one is chosen), which is chosen on create only. */
export function identityProviderFields(context: FormContext, values?: FormValues): FieldSpec[] {
  const kind = kindOf(values);
  return [
    ...organizationField(context),
    nameField(createIdentityProviderSchema.options[0].shape.name),
    ...(context.mode === 'create'
      ? [
          {
            name: 'kind',
            label: 'Kind',
            kind: 'select',
            options: (['oidc', 'saml'] as const).map((value) => ({ value, label: KIND_LABELS[value] })),
          } satisfies FieldSpec,
        ]
      : []),
    { name: 'enabled', label: 'Enabled', kind: 'checkbox', hint: 'Off: not offered at sign-in.' },
    {
      name: 'jitProvisioning',
      label: 'Create users on first sign-in',
      kind: 'checkbox',
      hint: 'Off: only users who signed in with this provider before may sign in.',
    },
    ...claimFields(kind),
    ...(kind === 'oidc'
      ? oidcFields(context, values !== undefined && boolOf(values, SECRET_SET))
      : samlFields),
  ];
}

/** The mappings of the editor's rows; a row left wholly empty is no mapping. */
export function mappingsOf(values: FormValues): GroupMapping[] {
  const targets = listOf(values, MAPPING_TARGETS);
  return listOf(values, MAPPING_GROUPS)
    .map((externalGroup, index) => ({ externalGroup: externalGroup.trim(), groupId: targets[index] ?? '' }))
    .filter((mapping) => mapping.externalGroup !== '' || mapping.groupId !== '');
}

function mappingValues(mappings: readonly GroupMapping[]): FormValues {
  return {
    [MAPPING_GROUPS]: mappings.map((mapping) => mapping.externalGroup),
    [MAPPING_TARGETS]: mappings.map((mapping) => mapping.groupId),
  };
}

/** Scopes typed as one line; blanks and repeats dropped. */
export function parseScopes(text: string): string[] {
  return [...new Set(text.split(/\s+/).filter((scope) => scope !== ''))];
}

/** The claims typed; an empty one is left out (on create) or is the kind's default (on edit). */
function claimsOf(values: FormValues, fillDefaults: boolean): Partial<IdentityClaims> {
  const defaults = DEFAULT_IDENTITY_CLAIMS[kindOf(values)];
  const claims: Partial<IdentityClaims> = {};
  for (const { key } of CLAIMS) {
    const value = optionalText(values, `claims.${key}`) ?? (fillDefaults ? defaults[key] : undefined);
    if (value !== undefined) claims[key] = value;
  }
  return claims;
}

/** The metadata: pasted XML is taken over the URL (an edit shows the URL it was read from before). */
function samlOf(values: FormValues): { metadataUrl?: string; metadataXml?: string } {
  const metadataXml = optionalText(values, 'saml.metadataXml');
  if (metadataXml !== undefined) return { metadataXml };
  const metadataUrl = optionalText(values, 'saml.metadataUrl');
  return metadataUrl === undefined ? {} : { metadataUrl };
}

function oidcOf(values: FormValues) {
  return {
    issuer: textOf(values, 'oidc.issuer'),
    clientId: textOf(values, 'oidc.clientId'),
    scopes: parseScopes(textOf(values, 'oidc.scopes')),
  };
}

/** The client secret of an edit: a new one as typed, null to remove the kept one, undefined to keep it. */
function secretChange(values: FormValues): { clientSecret?: string | null } {
  if (boolOf(values, REMOVE_SECRET)) return { clientSecret: null };
  const typed = rawText(values, 'oidc.clientSecret');
  return typed === '' ? {} : { clientSecret: typed };
}

export function toCreateIdentityProvider(values: FormValues): CreateIdentityProvider {
  const common = {
    orgId: optionalText(values, 'orgId'),
    name: textOf(values, 'name'),
    enabled: boolOf(values, 'enabled'),
    jitProvisioning: boolOf(values, 'jitProvisioning'),
    claims: claimsOf(values, false),
    groupMappings: mappingsOf(values),
  };
  if (kindOf(values) === 'saml') return { ...common, kind: 'saml', saml: samlOf(values) };
  const clientSecret = rawText(values, 'oidc.clientSecret');
  return {
    ...common,
    kind: 'oidc',
    oidc: { ...oidcOf(values), ...(clientSecret === '' ? {} : { clientSecret }) },
  };
}

export function toUpdateIdentityProvider(values: FormValues): UpdateIdentityProvider {
  return {
    name: textOf(values, 'name'),
    enabled: boolOf(values, 'enabled'),
    jitProvisioning: boolOf(values, 'jitProvisioning'),
    claims: claimsOf(values, true),
    groupMappings: mappingsOf(values),
    ...(kindOf(values) === 'saml'
      ? { saml: samlOf(values) }
      : { oidc: { ...oidcOf(values), ...secretChange(values) } }),
  };
}

export const identityProvidersSpec: ResourceSpec<
  IdentityProvider,
  CreateIdentityProvider,
  UpdateIdentityProvider
> = {
  section: 'identity-providers',
  title: 'Identity providers',
  singular: 'identity provider',
  routes: identityProviderRoutes,
  searchable: true,
  refs: ['organizations', 'groups'],
  columns: [
    { header: 'Name', value: (item) => item.name },
    { header: 'Kind', value: (item) => KIND_LABELS[item.kind] },
    { header: 'Enabled', value: (item) => (item.enabled ? 'Yes' : 'No') },
    { header: 'Creates users', value: (item) => (item.jitProvisioning ? 'Yes' : 'No') },
  ],
  fields: identityProviderFields,
  empty: (context) => ({
    ...withOrg(context),
    name: '',
    kind: 'oidc',
    enabled: true,
    jitProvisioning: true,
    ...Object.fromEntries(CLAIMS.map(({ key }) => [`claims.${key}`, ''])),
    'oidc.issuer': '',
    'oidc.clientId': '',
    'oidc.clientSecret': '',
    'oidc.scopes': oidcBody.scopes.parse(undefined).join(' '),
    'saml.metadataUrl': '',
    'saml.metadataXml': '',
    ...mappingValues([]),
  }),
  fromItem: (item) => ({
    name: item.name,
    kind: item.kind,
    enabled: item.enabled,
    jitProvisioning: item.jitProvisioning,
    ...Object.fromEntries(CLAIMS.map(({ key }) => [`claims.${key}`, item.claims[key]])),
    'oidc.issuer': item.oidc?.issuer ?? '',
    'oidc.clientId': item.oidc?.clientId ?? '',
    'oidc.clientSecret': '',
    [SECRET_SET]: item.oidc?.clientSecretSet ?? false,
    [REMOVE_SECRET]: false,
    'oidc.scopes': item.oidc?.scopes.join(' ') ?? '',
    'saml.metadataUrl': item.saml?.metadataUrl ?? '',
    // The API keeps what it read from the XML, not the XML: empty keeps it.
    'saml.metadataXml': '',
    ...mappingValues(item.groupMappings),
  }),
  toCreate: (values) => toCreateIdentityProvider(values),
  toUpdate: (values) => toUpdateIdentityProvider(values),
  describe: (item) => item.name,
};

/** The editor's limits, from the contract. */
export const externalGroupMaxLength = maxLengthOf(groupMappingSchema.shape.externalGroup);
