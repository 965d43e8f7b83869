import {
  createEntitlementSchema,
  createPolicySchema,
  createUserSchema,
  createWorkspaceSchema,
  defaultPolicy,
  updateEntitlementSchema,
  updateUserSchema,
  updateWorkspaceSchema,
  type Policy,
  type User,
  type Workspace,
} from '@webstream/contracts';
import { describe, expect, it } from 'vitest';
import { patchOf } from '../../src/admin/kit/form-values';
import { entitlementsSpec, policiesSpec, usersSpec, workspacesSpec } from '../../src/admin/resources';
import { rulesFromValues, valuesFromRules } from '../../src/admin/resources/policy-rules';

const APP_A = '0b9d7f4e-6f5c-4b6a-9a51-3c1e2d3f4a5b';
const APP_B = '1c8e6a3d-5e4b-4a59-8b40-2b0d1c2e3f4a';
const POLICY = '2d7f5b2c-4d3a-4948-9c3f-1a9c0b1d2e3f';
const ORG = '3e6a4c1b-3c2f-4837-8d2e-0f8b9a0c1d2e';
const TIMES = { createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-02T00:00:00.000Z' };

const admin = { mode: 'create', platformAdmin: true } as const;
const orgAdmin = { mode: 'create', platformAdmin: false } as const;

describe('users', () => {
  it('builds a create body the contract accepts, leaving out empty optional fields', () => {
    const values = {
      ...usersSpec.empty(admin),
      username: ' alice ',
      password: ' a long pass phrase ',
      role: 'org-admin',
      disabled: true,
    };
    const body = usersSpec.toCreate(values, admin);
    expect(body).toEqual({
      orgId: undefined,
      username: 'alice',
      password: ' a long pass phrase ',
      email: undefined,
      displayName: undefined,
      role: 'org-admin',
      disabled: true,
    });
    expect(createUserSchema.safeParse(JSON.parse(JSON.stringify(body))).success).toBe(true);
  });

  it('offers the organization select and the platform-admin role to platform admins only', () => {
    const names = (platformAdmin: boolean) =>
      usersSpec.fields({ mode: 'create', platformAdmin }).map((field) => field.name);
    expect(names(true)).toContain('orgId');
    expect(names(false)).not.toContain('orgId');
    const roles = usersSpec.fields(orgAdmin).find((field) => field.name === 'role');
    expect(roles?.kind === 'select' && roles.options?.map((option) => option.value)).toEqual([
      'user',
      'org-admin',
    ]);
  });

  it('patches only what changed; an empty password keeps the old one and an emptied email is null', () => {
    const user: User = {
      id: APP_A,
      orgId: ORG,
      username: 'alice',
      email: 'alice@example.com',
      displayName: 'Alice',
      role: 'user',
      disabled: false,
      lastLoginAt: null,
      ...TIMES,
    };
    const initial = usersSpec.fromItem(user);
    const edited = { ...initial, email: '', disabled: true };
    const patch = patchOf(usersSpec.toUpdate(edited), usersSpec.toUpdate(initial));
    expect(patch).toEqual({ email: null, disabled: true });
    expect(updateUserSchema.safeParse(patch).success).toBe(true);
  });
});

describe('workspaces', () => {
  it('turns the form into the contract body: numbers, lists, tags and the default policy as null', () => {
    const values = {
      ...workspacesSpec.empty(orgAdmin),
      name: 'Office',
      type: 'desktop',
      applicationIds: [APP_A, APP_B],
      maxSessions: '5',
      requiredTags: 'gpu, region=eu gpu',
    };
    const body = workspacesSpec.toCreate(values, orgAdmin);
    expect(body).toMatchObject({
      name: 'Office',
      type: 'desktop',
      applicationIds: [APP_A, APP_B],
      policyId: null,
      maxSessions: 5,
      requiredTags: ['gpu', 'region=eu'],
    });
    expect(createWorkspaceSchema.safeParse(JSON.parse(JSON.stringify(body))).success).toBe(true);
  });

  it('sends no limit as null and keeps a workspace unchanged after a round trip', () => {
    const workspace: Workspace = {
      id: APP_B,
      orgId: ORG,
      name: 'Office',
      type: 'app',
      description: '',
      applicationIds: [APP_A],
      policyId: POLICY,
      maxSessions: 3,
      requiredTags: ['gpu'],
      ...TIMES,
    };
    const initial = workspacesSpec.fromItem(workspace);
    expect(patchOf(workspacesSpec.toUpdate(initial), workspacesSpec.toUpdate(initial))).toEqual({});
    const patch = patchOf(
      workspacesSpec.toUpdate({ ...initial, maxSessions: '', policyId: '' }),
      workspacesSpec.toUpdate(initial),
    );
    expect(patch).toEqual({ maxSessions: null, policyId: null });
    expect(updateWorkspaceSchema.safeParse(patch).success).toBe(true);
  });
});

describe('policies', () => {
  it('round-trips the rules through the form values', () => {
    const rules = {
      ...defaultPolicy,
      clipboard: { inbound: false, outbound: true, maxBytes: 2048 },
      watermark: { enabled: true, text: 'CONFIDENTIAL' },
      video: { codecs: ['jpeg' as const], maxBitrateKbps: 800 },
      // No fields for these in the console: they are kept as they were.
      sandbox: { network: 'none' as const, limits: { memoryMb: 512 } },
    };
    expect(rulesFromValues(valuesFromRules(rules))).toEqual(rules);
    // What is not JSON goes to the API as typed, which names the field in its 400.
    expect(rulesFromValues({ ...valuesFromRules(rules), 'rules.sandbox': '{network: none' }).sandbox).toBe(
      '{network: none',
    );
    expect(rulesFromValues({ ...valuesFromRules(rules), 'rules.sandbox': ' ' })).not.toHaveProperty(
      'sandbox',
    );
    // A policy from before the picture's settings gets the defaults in the form, and keeps them when saved.
    expect(rulesFromValues(valuesFromRules(defaultPolicy)).video).toEqual({
      codecs: ['h264', 'jpeg'],
      maxBitrateKbps: 2000,
    });
  });

  it('reads numbers from the inputs and leaves out an empty watermark text', () => {
    const values = {
      ...policiesSpec.empty(orgAdmin),
      name: 'Strict',
      'rules.idleTimeoutSeconds': '600',
      'rules.inputAllowed': false,
    };
    const body = policiesSpec.toCreate(values, orgAdmin);
    expect(body.rules.idleTimeoutSeconds).toBe(600);
    expect(body.rules.inputAllowed).toBe(false);
    expect(body.rules.watermark).toEqual({ enabled: false });
    expect(createPolicySchema.safeParse(JSON.parse(JSON.stringify(body))).success).toBe(true);
  });

  it('names every rule field by its path in the body, so that API errors land on it', () => {
    const policy: Policy = {
      id: POLICY,
      orgId: ORG,
      name: 'p',
      description: '',
      rules: defaultPolicy,
      ...TIMES,
    };
    const fieldNames = policiesSpec.fields({ mode: 'edit', platformAdmin: false }).map((field) => field.name);
    expect(fieldNames).toContain('rules.sessionWarningSeconds');
    for (const name of Object.keys(policiesSpec.fromItem(policy))) expect(fieldNames).toContain(name);
  });
});

describe('entitlements', () => {
  it('names exactly one subject on create and clears the other on update', () => {
    const created = entitlementsSpec.toCreate({ workspaceId: APP_A, userId: '', groupId: APP_B }, orgAdmin);
    expect(created).toEqual({ workspaceId: APP_A, userId: undefined, groupId: APP_B });
    expect(createEntitlementSchema.safeParse(JSON.parse(JSON.stringify(created))).success).toBe(true);

    const before = entitlementsSpec.toUpdate({ workspaceId: APP_A, userId: APP_B, groupId: '' });
    const after = entitlementsSpec.toUpdate({ workspaceId: APP_A, userId: '', groupId: POLICY });
    const patch = patchOf(after, before);
    expect(patch).toEqual({ userId: null, groupId: POLICY });
    expect(updateEntitlementSchema.safeParse(patch).success).toBe(true);
  });
});
