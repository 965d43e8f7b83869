import { describe, expect, it } from 'vitest';
import { type z } from 'zod';
import { apiKeyTokenSchema, createApiKeySchema } from './iam-api-keys';
import { applicationIconSchema } from './iam-applications';
import { crudEndpoints, pageQuerySchema } from './iam-common';
import { createEntitlementSchema, updateEntitlementSchema } from './iam-entitlements';
import { createPolicySchema } from './iam-policies';
import { createUserSchema, listUsersQuerySchema, passwordSchema, updateUserSchema } from './iam-users';
import { createWorkspaceSchema } from './iam-workspaces';
import { defaultPolicy } from './policy';

const WORKSPACE = '5d8f3c1e-0c0a-4c4e-9a53-2a9f0b8f6f10';
const USER = '0b7f1f9a-8e0b-4f4e-8d53-3c2f2d3e4a5b';

function issues(schema: z.ZodType, input: unknown): { path: string; message: string }[] {
  const result = schema.safeParse(input);
  expect(result.success).toBe(false);
  return result.error!.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('IAM resource contracts', () => {
  it('gives every collection the same five routes, named for its records', () => {
    const things = crudEndpoints({
      base: '/iam/things',
      tag: 'things',
      singular: 'Thing',
      plural: 'Things',
      listQuery: pageQuerySchema,
      create: createUserSchema,
      update: updateUserSchema,
      item: createUserSchema,
      page: createUserSchema,
      created: createUserSchema,
    });
    expect(
      Object.values(things).map(({ operationId, method, path, status }) => ({
        operationId,
        method,
        path,
        status,
      })),
    ).toEqual([
      { operationId: 'listThings', method: 'GET', path: '/iam/things', status: 200 },
      { operationId: 'createThing', method: 'POST', path: '/iam/things', status: 201 },
      { operationId: 'getThing', method: 'GET', path: '/iam/things/:id', status: 200 },
      { operationId: 'updateThing', method: 'PATCH', path: '/iam/things/:id', status: 200 },
      { operationId: 'deleteThing', method: 'DELETE', path: '/iam/things/:id', status: 204 },
    ]);
  });

  it('pages with defaults, coerces query strings and refuses unknown parameters', () => {
    expect(pageQuerySchema.parse({})).toEqual({ page: 1, pageSize: 50 });
    expect(listUsersQuerySchema.parse({ page: '2', pageSize: '10', disabled: 'false' })).toEqual({
      page: 2,
      pageSize: 10,
      disabled: false,
    });
    expect(issues(listUsersQuerySchema, { disabled: 'no' })[0]!.path).toBe('disabled');
    expect(issues(pageQuerySchema, { pageSize: '500' })[0]!.path).toBe('pageSize');
    expect(issues(pageQuerySchema, { colour: 'red' })[0]!.message).toMatch(/colour/);
  });

  it('states the password rules', () => {
    expect(passwordSchema.safeParse('correct horse battery').success).toBe(true);
    expect(issues(passwordSchema, 'short')[0]!.message).toBe('must be at least 12 characters long');
    expect(issues(passwordSchema, 'abababababab')[0]!.message).toBe(
      'must use at least 5 different characters',
    );
  });

  it('defaults a new user to a plain, enabled user and refuses an empty change', () => {
    expect(createUserSchema.parse({ username: 'zoe', password: 'correct horse battery' })).toMatchObject({
      role: 'user',
      disabled: false,
    });
    expect(issues(createUserSchema, { username: '-zoe', password: 'correct horse battery' })[0]!.path).toBe(
      'username',
    );
    expect(issues(updateUserSchema, {})[0]!.message).toBe('must set at least one field');
  });

  it('entitles exactly one of a user and a group', () => {
    expect(createEntitlementSchema.safeParse({ workspaceId: WORKSPACE, userId: USER }).success).toBe(true);
    expect(issues(createEntitlementSchema, { workspaceId: WORKSPACE })).toEqual([
      { path: 'userId', message: 'must name exactly one of userId and groupId' },
    ]);
    expect(
      issues(createEntitlementSchema, { workspaceId: WORKSPACE, userId: USER, groupId: USER })[0]!.path,
    ).toBe('userId');
    expect(updateEntitlementSchema.safeParse({ userId: null, groupId: USER }).success).toBe(true);
    expect(updateEntitlementSchema.safeParse({ workspaceId: WORKSPACE }).success).toBe(true);
    expect(issues(updateEntitlementSchema, { userId: null })[0]!.path).toBe('userId');
  });

  it('offers at least one application, each once', () => {
    expect(issues(createWorkspaceSchema, { name: 'w', applicationIds: [] })[0]).toEqual({
      path: 'applicationIds',
      message: 'must offer at least one application',
    });
    expect(issues(createWorkspaceSchema, { name: 'w', applicationIds: [USER, USER] })[0]!.message).toBe(
      'must not list an application twice',
    );
  });

  it('defaults a policy to the platform default and keeps the warning inside the session', () => {
    expect(createPolicySchema.parse({ name: 'p' }).rules).toEqual(defaultPolicy);
    const rules = { ...defaultPolicy, maxSessionSeconds: 600, sessionWarningSeconds: 600 };
    expect(issues(createPolicySchema, { name: 'p', rules })[0]!.path).toBe('rules.sessionWarningSeconds');
  });

  it('accepts an icon as a URL or a small data URI only', () => {
    expect(applicationIconSchema.safeParse('https://icons.example/app.png').success).toBe(true);
    expect(applicationIconSchema.safeParse('data:image/png;base64,iVBORw0KGgo=').success).toBe(true);
    expect(applicationIconSchema.safeParse('javascript:alert(1)').success).toBe(false);
  });

  it('recognises an API key and makes every key expire', () => {
    expect(apiKeyTokenSchema.safeParse(`wsk_AbCd1234_${'x'.repeat(43)}`).success).toBe(true);
    expect(apiKeyTokenSchema.safeParse(`wsk_AbCd1234_${'x'.repeat(42)}`).success).toBe(false);
    expect(createApiKeySchema.parse({ name: 'ci', scopes: ['iam:read'] }).expiresInDays).toBe(90);
    expect(issues(createApiKeySchema, { name: 'ci', scopes: ['iam:read', 'iam:read'] })[0]!.path).toBe(
      'scopes',
    );
  });
});
