import {
  createIdentityProviderSchema,
  createOrganizationSchema,
  type IdentityProvider,
  MAX_GROUP_MAPPINGS,
  updateIdentityProviderSchema,
  updateOrganizationSchema,
} from '@webstream/contracts';
import { describe, expect, it } from 'vitest';
import { patchOf } from '../../src/admin/kit/form-values';
import { type FormContext } from '../../src/admin/kit/resource-spec';
import { identityProvidersSpec, organizationsSpec } from '../../src/admin/resources';
import {
  externalGroupMaxLength,
  identityProviderFields,
  MAPPING_GROUPS,
  MAPPING_TARGETS,
  mappingsOf,
  parseScopes,
} from '../../src/admin/resources/identity-providers';

const PROVIDER = '0b9d7f4e-6f5c-4b6a-9a51-3c1e2d3f4a5b';
const GROUP_A = '1c8e6a3d-5e4b-4a59-8b40-2b0d1c2e3f4a';
const GROUP_B = '2d7f5b2c-4d3a-4948-9c3f-1a9c0b1d2e3f';
const ORG = '3e6a4c1b-3c2f-4837-8d2e-0f8b9a0c1d2e';
const TIMES = { createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-02T00:00:00.000Z' };
const BASE = 'https://webstream.example/iam/auth/sso/p';

const create = { mode: 'create', platformAdmin: false } as const;
const edit = { mode: 'edit', platformAdmin: false } as const;
const valid = (body: unknown) => createIdentityProviderSchema.safeParse(JSON.parse(JSON.stringify(body)));

const oidcProvider: IdentityProvider = {
  id: PROVIDER,
  orgId: ORG,
  name: 'Entra ID',
  kind: 'oidc',
  enabled: true,
  jitProvisioning: false,
  claims: { username: 'upn', displayName: 'name', email: 'email', groups: 'groups' },
  groupMappings: [{ externalGroup: 'staff', groupId: GROUP_A }],
  oidc: {
    issuer: 'https://login.example/tenant/v2.0',
    clientId: 'webstream',
    clientSecretSet: true,
    scopes: ['openid', 'profile'],
  },
  saml: null,
  endpoints: {
    redirectUri: `${BASE}/callback`,
    postLogoutRedirectUri: 'https://webstream.example/sign-in',
    spEntityId: `${BASE}/saml/metadata`,
    acsUrl: `${BASE}/saml/acs`,
    sloUrl: `${BASE}/saml/slo`,
    spMetadataUrl: `${BASE}/saml/metadata`,
  },
  ...TIMES,
};

describe('the identity provider form', () => {
  it('builds an OIDC create body the contract accepts, leaving empty claims to the kind’s defaults', () => {
    const values = {
      ...identityProvidersSpec.empty(create),
      name: ' Entra ID ',
      'oidc.issuer': 'https://login.example/tenant/v2.0',
      'oidc.clientId': 'webstream',
      'oidc.clientSecret': ' s3cret ',
      'claims.username': 'upn',
      [MAPPING_GROUPS]: ['staff', ' ', 'admins'],
      [MAPPING_TARGETS]: [GROUP_A, '', GROUP_B],
    };
    const body = identityProvidersSpec.toCreate(values, create);
    expect(body).toEqual({
      orgId: undefined,
      name: 'Entra ID',
      kind: 'oidc',
      enabled: true,
      jitProvisioning: true,
      claims: { username: 'upn' },
      groupMappings: [
        { externalGroup: 'staff', groupId: GROUP_A },
        { externalGroup: 'admins', groupId: GROUP_B },
      ],
      oidc: {
        issuer: 'https://login.example/tenant/v2.0',
        clientId: 'webstream',
        clientSecret: ' s3cret ',
        scopes: ['openid', 'profile', 'email'],
      },
    });
    expect(valid(body).success).toBe(true);
    // A public client: no secret at all.
    const pub = identityProvidersSpec.toCreate({ ...values, 'oidc.clientSecret': '' }, create);
    expect(pub.kind === 'oidc' && 'clientSecret' in pub.oidc).toBe(false);
    expect(valid(pub).success).toBe(true);
  });

  it('builds a SAML create body from a metadata URL or pasted XML (which wins)', () => {
    const values = {
      ...identityProvidersSpec.empty({ mode: 'create', platformAdmin: true }),
      orgId: ORG,
      name: 'ADFS',
      kind: 'saml',
      'saml.metadataUrl': 'https://adfs.example/FederationMetadata/2007-06/FederationMetadata.xml',
      // What the OIDC fields held before the kind changed does not go along.
      'oidc.issuer': 'https://login.example',
    };
    const byUrl = identityProvidersSpec.toCreate(values, create);
    expect(byUrl).toMatchObject({
      orgId: ORG,
      kind: 'saml',
      saml: { metadataUrl: values['saml.metadataUrl'] },
    });
    expect(byUrl).not.toHaveProperty('oidc');
    expect(valid(byUrl).success).toBe(true);
    const byXml = identityProvidersSpec.toCreate(
      { ...values, 'saml.metadataXml': '<EntityDescriptor/>' },
      create,
    );
    expect(byXml).toMatchObject({ saml: { metadataXml: '<EntityDescriptor/>' } });
    expect(valid(byXml).success).toBe(true);
    expect(valid(identityProvidersSpec.toCreate({ ...values, 'saml.metadataUrl': '' }, create)).success).toBe(
      false,
    );
  });

  it('lets the contract name what is wrong: a half-filled mapping, scopes without openid', () => {
    const values = {
      ...identityProvidersSpec.empty(create),
      name: 'Okta',
      'oidc.issuer': 'https://okta.example',
      'oidc.clientId': 'ws',
      'oidc.scopes': 'profile email',
      [MAPPING_GROUPS]: ['staff'],
      [MAPPING_TARGETS]: [''],
    };
    const paths = valid(identityProvidersSpec.toCreate(values, create)).error?.issues.map((issue) =>
      issue.path.join('.'),
    );
    expect(paths).toEqual(expect.arrayContaining(['oidc.scopes', 'groupMappings.0.groupId']));
  });

  it('shows the fields of the kind chosen, the claims’ defaults as placeholders, and the kind on create only', () => {
    const names = (values: Record<string, string | boolean>, context: FormContext = create) =>
      identityProviderFields(context, { ...identityProvidersSpec.empty(context), ...values }).map(
        (f) => f.name,
      );
    expect(names({ kind: 'oidc' })).toEqual(expect.arrayContaining(['kind', 'oidc.issuer', 'oidc.scopes']));
    expect(names({ kind: 'oidc' })).not.toContain('saml.metadataUrl');
    expect(names({ kind: 'saml' })).toEqual(expect.arrayContaining(['saml.metadataUrl', 'saml.metadataXml']));
    expect(names({ kind: 'saml' })).not.toContain('oidc.clientId');
    expect(names({ kind: 'oidc' }, edit)).not.toContain('kind');
    const placeholders = (kind: string) =>
      identityProviderFields(create, { kind })
        .filter((field) => field.name.startsWith('claims.'))
        .map((field) => ('placeholder' in field ? field.placeholder : undefined));
    expect(placeholders('oidc')).toEqual(['preferred_username', 'name', 'email', 'groups']);
    expect(placeholders('saml')).toEqual(['nameID', 'displayName', 'email', 'groups']);
  });

  it('keeps a kept client secret unless a new one is typed or its removal asked for', () => {
    const initial = identityProvidersSpec.fromItem(oidcProvider);
    const secret = identityProviderFields(edit, initial).find((field) => field.name === 'oidc.clientSecret');
    expect(secret).toMatchObject({ placeholder: 'kept' });
    expect(identityProviderFields(edit, initial).map((field) => field.name)).toContain(
      'oidc.removeClientSecret',
    );

    const before = identityProvidersSpec.toUpdate(initial);
    expect(patchOf(identityProvidersSpec.toUpdate(initial), before)).toEqual({});

    const renamed = patchOf(identityProvidersSpec.toUpdate({ ...initial, name: 'Entra' }), before);
    expect(renamed).toEqual({ name: 'Entra' });

    const newSecret = patchOf(
      identityProvidersSpec.toUpdate({ ...initial, 'oidc.clientSecret': 'n3w' }),
      before,
    );
    expect(newSecret.oidc).toMatchObject({ clientSecret: 'n3w' });
    expect(updateIdentityProviderSchema.safeParse(newSecret).success).toBe(true);

    const removed = patchOf(
      identityProvidersSpec.toUpdate({ ...initial, 'oidc.removeClientSecret': true }),
      before,
    );
    expect(removed.oidc).toMatchObject({ clientSecret: null });
    expect(updateIdentityProviderSchema.safeParse(removed).success).toBe(true);
  });

  it('patches the mappings and claims as wholes; an emptied claim goes back to the default', () => {
    const initial = identityProvidersSpec.fromItem(oidcProvider);
    const patch = patchOf(
      identityProvidersSpec.toUpdate({
        ...initial,
        'claims.username': '',
        [MAPPING_GROUPS]: ['staff', 'admins'],
        [MAPPING_TARGETS]: [GROUP_A, GROUP_B],
      }),
      identityProvidersSpec.toUpdate(initial),
    );
    expect(patch).toEqual({
      claims: { username: 'preferred_username', displayName: 'name', email: 'email', groups: 'groups' },
      groupMappings: [
        { externalGroup: 'staff', groupId: GROUP_A },
        { externalGroup: 'admins', groupId: GROUP_B },
      ],
    });
    expect(updateIdentityProviderSchema.safeParse(patch).success).toBe(true);
  });

  it('reads rows and scopes as typed', () => {
    expect(mappingsOf({ [MAPPING_GROUPS]: ['a', ''], [MAPPING_TARGETS]: [GROUP_A] })).toEqual([
      { externalGroup: 'a', groupId: GROUP_A },
    ]);
    expect(parseScopes(' openid  profile openid\nemail ')).toEqual(['openid', 'profile', 'email']);
  });

  it('holds each field to the very length the contract allows, on create and on edit, for both kinds', () => {
    const checked = new Set<string>();
    const url = (length: number) => `https://a.example/${'x'.repeat(length - 'https://a.example/'.length)}`;
    for (const kind of ['oidc', 'saml'] as const) {
      for (const context of [create, edit]) {
        const values = { ...identityProvidersSpec.empty(context), kind };
        for (const field of identityProviderFields(context, values)) {
          if (!('maxLength' in field) || field.maxLength === undefined) continue;
          const refused = (length: number) => {
            const typed = {
              ...values,
              [field.name]:
                field.name.endsWith('Url') || field.name === 'oidc.issuer' ? url(length) : 'x'.repeat(length),
            };
            const result =
              context.mode === 'create'
                ? createIdentityProviderSchema.safeParse(
                    JSON.parse(JSON.stringify(identityProvidersSpec.toCreate(typed, context))),
                  )
                : updateIdentityProviderSchema.safeParse(
                    JSON.parse(JSON.stringify(identityProvidersSpec.toUpdate(typed))),
                  );
            return (result.error?.issues ?? []).some((issue) => issue.path.join('.') === field.name);
          };
          expect(refused(field.maxLength), `${field.name} at its limit`).toBe(false);
          expect(refused(field.maxLength + 1), `${field.name} past its limit`).toBe(true);
          checked.add(field.name);
        }
      }
    }
    expect([...checked].sort()).toEqual([
      'claims.displayName',
      'claims.email',
      'claims.groups',
      'claims.username',
      'name',
      'oidc.clientId',
      'oidc.clientSecret',
      'oidc.issuer',
      'saml.metadataUrl',
      'saml.metadataXml',
    ]);
  });

  it('holds the mappings to the contract’s number and the provider group to its length', () => {
    const rows = (count: number, length = 5) => ({
      ...identityProvidersSpec.empty(create),
      name: 'Okta',
      'oidc.issuer': 'https://okta.example',
      'oidc.clientId': 'ws',
      [MAPPING_GROUPS]: Array.from({ length: count }, (_, index) => `${index}`.padEnd(length, 'x')),
      [MAPPING_TARGETS]: Array.from({ length: count }, () => GROUP_A),
    });
    expect(valid(identityProvidersSpec.toCreate(rows(MAX_GROUP_MAPPINGS), create)).success).toBe(true);
    expect(valid(identityProvidersSpec.toCreate(rows(MAX_GROUP_MAPPINGS + 1), create)).success).toBe(false);
    expect(externalGroupMaxLength).toBeDefined();
    expect(valid(identityProvidersSpec.toCreate(rows(1, externalGroupMaxLength), create)).success).toBe(true);
    expect(
      valid(identityProvidersSpec.toCreate(rows(1, (externalGroupMaxLength ?? 0) + 1), create)).success,
    ).toBe(false);
  });
});

describe('the organization form', () => {
  it('sends whether local passwords are allowed, on by default', () => {
    const values = { ...organizationsSpec.empty(create), name: 'Acme', slug: 'acme' };
    expect(organizationsSpec.toCreate(values, create)).toEqual({
      name: 'Acme',
      slug: 'acme',
      passwordLogin: true,
    });
    expect(createOrganizationSchema.safeParse(organizationsSpec.toCreate(values, create)).success).toBe(true);
    const initial = organizationsSpec.fromItem({
      id: ORG,
      name: 'Acme',
      slug: 'acme',
      passwordLogin: true,
      ...TIMES,
    });
    const patch = patchOf(
      organizationsSpec.toUpdate({ ...initial, passwordLogin: false }),
      organizationsSpec.toUpdate(initial),
    );
    expect(patch).toEqual({ passwordLogin: false });
    expect(updateOrganizationSchema.safeParse(patch).success).toBe(true);
  });
});
