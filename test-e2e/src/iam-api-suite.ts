import { randomBytes, randomUUID } from 'node:crypto';
import {
  type ApiKeyScope,
  apiKeyPageSchema,
  apiKeySchema,
  apiKeyTokenSchema,
  type Application,
  applicationPageSchema,
  applicationSchema,
  auditSearchResponseSchema,
  type CreatedApiKey,
  createdApiKeySchema,
  defaultPolicy,
  type Entitlement,
  entitlementPageSchema,
  entitlementResolutionSchema,
  entitlementSchema,
  type ErrorBody,
  errorEnvelopeSchema,
  type Group,
  groupMembershipSchema,
  groupPageSchema,
  groupSchema,
  logoutResponseSchema,
  meResponseSchema,
  myWorkspacesResponseSchema,
  type Organization,
  organizationPageSchema,
  organizationSchema,
  type Page,
  type Policy,
  policyPageSchema,
  policySchema,
  type TokenResponse,
  tokenResponseSchema,
  type User,
  userPageSchema,
  type UserRole,
  userSchema,
  type Workspace,
  type WorkspacePolicy,
  workspacePageSchema,
  workspaceSchema,
} from '@webstream/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '@webstream/testing';
import { type IamMode, type IamStack, randomText, startIamStack } from './iam-stack';
import { jwtHeader, jwtPayload, signJwt, unsecuredCopy, withPayload } from './jwt';

// The IAM API as a client sees it, against real processes: the gateway with IAM built in, or IAM on its own.

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Body = Record<string, unknown>;

export interface ApiOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Sent as `X-API-Key: <key>`. */
  apiKey?: string;
  /** Sent as JSON. */
  body?: unknown;
}

export interface ApiResult {
  method: Method;
  path: string;
  status: number;
  headers: Headers;
  /** The parsed JSON body; the text where it is not JSON; null when empty. */
  body: unknown;
  text: string;
}

export async function request(
  baseUrl: string,
  method: Method,
  path: string,
  options: ApiOptions = {},
): Promise<ApiResult> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
  let payload: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(options.body);
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { method, path, status: response.status, headers: response.headers, body, text };
}

function show(result: ApiResult): string {
  return `${result.method} ${result.path} answered ${result.status}: ${result.text.slice(0, 1500)}`;
}

function expectStatus(result: ApiResult, status: number | readonly number[]): void {
  if (typeof status === 'number') expect(result.status, show(result)).toBe(status);
  else expect(status, show(result)).toContain(result.status);
}

/** Asserts the error envelope; field is a path that error.fields must name (a RegExp matches any). */
function expectError(
  result: ApiResult,
  status: number,
  code: ErrorBody['code'],
  field?: string | RegExp,
): ErrorBody {
  expectStatus(result, status);
  const parsed = errorEnvelopeSchema.safeParse(result.body);
  expect(parsed.success, `not an error envelope: ${show(result)}`).toBe(true);
  const error = parsed.data!.error;
  expect(error.status, show(result)).toBe(status);
  expect(error.code, show(result)).toBe(code);
  if (field !== undefined) {
    const paths = (error.fields ?? []).map((entry) => entry.path);
    if (typeof field === 'string') expect(paths, show(result)).toContain(field);
    else
      expect(
        paths.some((path) => field.test(path)),
        `no field matches ${field}: ${show(result)}`,
      ).toBe(true);
  }
  return error;
}

function asRecord(value: unknown): Record<string, unknown> {
  expect(typeof value === 'object' && value !== null && !Array.isArray(value), JSON.stringify(value)).toBe(
    true,
  );
  return value as Record<string, unknown>;
}

function without(body: Body, key: string): Body {
  const copy = { ...body };
  delete copy[key];
  return copy;
}

/** Retries check until it passes or timeoutMs has gone, then throws its last failure. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

/** Unique within the database whatever else ran: lower-case, so it also fits an organization slug. */
function unique(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

function strongPassword(): string {
  return `Pw-${randomText(12)}-${randomBytes(4).toString('hex')}`;
}

/** The Retry-After header in seconds; fails when missing. */
function retryAfter(result: ApiResult): number {
  const header = result.headers.get('retry-after');
  expect(header, `no Retry-After: ${show(result)}`).not.toBeNull();
  const seconds = Number(header);
  expect(Number.isInteger(seconds), `Retry-After ${header}`).toBe(true);
  return seconds;
}

/** The ids of a group's members, whether listed as users ({id}) or as memberships ({userId}). */
function memberIds(body: unknown): string[] {
  const items = Array.isArray(body) ? (body as unknown[]) : asRecord(body)['items'];
  expect(Array.isArray(items), JSON.stringify(body)).toBe(true);
  return (items as unknown[]).map((item) => {
    const record = asRecord(item);
    const id = record['userId'] ?? record['id'];
    expect(typeof id).toBe('string');
    return id as string;
  });
}

const CONTRACT_FIELDS = [
  'appArgs',
  'appExe',
  'appId',
  'orgId',
  'policy',
  'userId',
  'username',
  'workspaceId',
  'workspaceName',
  'workspaceType',
];

/** `wsk_` + 8-character prefix + `_`: the part of an API key before its secret. */
const KEY_PUBLIC_LENGTH = 'wsk_'.length + 8 + 1;

interface Parser<T> {
  parse(value: unknown): T;
}

const testRules: WorkspacePolicy = {
  ...defaultPolicy,
  clipboard: { inbound: true, outbound: false, maxBytes: 4096 },
  fileTransfer: { upload: true, download: false },
  printing: true,
  idleTimeoutSeconds: 600,
  maxSessionSeconds: 3600,
  sessionWarningSeconds: 120,
  watermark: { enabled: true, text: 'e2e confidential' },
};

interface Account {
  user: User;
  password: string;
  token: string;
}

type Resource =
  | 'organizations'
  | 'users'
  | 'groups'
  | 'applications'
  | 'policies'
  | 'workspaces'
  | 'entitlements'
  | 'api-keys';

/** IAM's collections, each with the CRUD routes of contracts' crudRoutes. */
export const RESOURCES: readonly Resource[] = [
  'organizations',
  'users',
  'groups',
  'applications',
  'policies',
  'workspaces',
  'entitlements',
  'api-keys',
];

interface CrudCase {
  resource: Resource;
  path: string;
  createSchema: Parser<{ id: string }>;
  schema: Parser<{ id: string }>;
  pageSchema: Parser<Page<{ id: string }>>;
  /**
   * Makes what the records need in org: two valid bodies, the list query that finds exactly those two
   * records, one that finds none, and a valid PATCH body that changes the first.
   */
  prepare(
    org: Organization,
  ): Promise<{ bodies: [Body, Body]; filter: string; noMatch: string; update: Body }>;
  /** Fields the record shows as the create body sent them. */
  echoed: readonly string[];
  /** Create bodies that must be refused, and the field error.fields must name. */
  invalid(valid: Body): { body: Body; field: string | RegExp }[];
  /** PATCH bodies that must be refused, and the field. */
  invalidPatches: { body: Body; field: string | RegExp }[];
  /** Fields no answer may show. */
  hidden: readonly string[];
  /** A second create body that clashes with the first in the same organization (409), where names are unique. */
  duplicate?: (first: Body) => Body;
}

/**
 * The IAM API suite against one stack of real processes. more() adds tests to the same describe, with
 * the running stack.
 */
export function describeIamApi(mode: IamMode, more?: (stack: () => IamStack) => void): void {
  describe(`the IAM API (${mode})`, () => {
    let stack: IamStack | undefined;
    let adminSession: { tokens: TokenResponse; at: number } | undefined;

    beforeAll(async () => {
      stack = await startIamStack(mode);
    }, 240_000);

    afterAll(async () => {
      await stack?.stop();
    }, 60_000);

    const current = (): IamStack => {
      if (!stack) throw new Error('the IAM stack did not start');
      return stack;
    };
    const api = (method: Method, path: string, options?: ApiOptions): Promise<ApiResult> =>
      request(current().baseUrl, method, path, options);

    // ---- fixtures -------------------------------------------------------------------------------------

    const tryLogin = (username: string, password: string): Promise<ApiResult> =>
      api('POST', '/iam/auth/login', { body: { username, password } });

    async function login(username: string, password: string): Promise<TokenResponse> {
      const result = await tryLogin(username, password);
      expectStatus(result, 200);
      return tokenResponseSchema.parse(result.body);
    }

    async function adminTokens(): Promise<TokenResponse> {
      // Access tokens live 15 minutes by default; a long run logs in again well before that.
      if (!adminSession || Date.now() - adminSession.at > 5 * 60_000) {
        const { username, password } = current().admin;
        adminSession = { tokens: await login(username, password), at: Date.now() };
      }
      return adminSession.tokens;
    }
    const adminToken = async (): Promise<string> => (await adminTokens()).accessToken;

    async function create<T>(schema: Parser<T>, path: string, body: Body, token?: string): Promise<T> {
      const result = await api('POST', path, { token: token ?? (await adminToken()), body });
      expectStatus(result, 201);
      return schema.parse(result.body);
    }

    async function read<T>(schema: Parser<T>, path: string, token?: string): Promise<T> {
      const result = await api('GET', path, { token: token ?? (await adminToken()) });
      expectStatus(result, 200);
      return schema.parse(result.body);
    }

    const inOrg = (orgId: string | undefined): Body => (orgId === undefined ? {} : { orgId });

    const newOrg = (): Promise<Organization> => {
      const slug = unique('org');
      return create(organizationSchema, '/iam/organizations', { name: `Org ${slug}`, slug });
    };

    async function newUser(
      orgId: string | undefined,
      options: { role?: UserRole; token?: string } = {},
    ): Promise<{ user: User; password: string }> {
      const password = strongPassword();
      const username = unique('user');
      const user = await create(
        userSchema,
        '/iam/users',
        {
          ...inOrg(orgId),
          username,
          password,
          displayName: `User ${username}`,
          role: options.role ?? 'user',
        },
        options.token,
      );
      return { user, password };
    }

    async function newAccount(orgId: string, role: UserRole = 'user'): Promise<Account> {
      const { user, password } = await newUser(orgId, { role });
      return { user, password, token: (await login(user.username, password)).accessToken };
    }

    const newApplication = (orgId: string | undefined, token?: string): Promise<Application> =>
      create(
        applicationSchema,
        '/iam/applications',
        { ...inOrg(orgId), name: unique('app'), exe: '/usr/bin/xterm', args: `-T ${unique('title')}` },
        token,
      );

    const newPolicy = (orgId: string | undefined, token?: string): Promise<Policy> =>
      create(
        policySchema,
        '/iam/policies',
        { ...inOrg(orgId), name: unique('policy'), rules: testRules },
        token,
      );

    const newWorkspace = (
      orgId: string | undefined,
      applicationIds: string[],
      policyId: string | null,
      token?: string,
    ): Promise<Workspace> =>
      create(
        workspaceSchema,
        '/iam/workspaces',
        { ...inOrg(orgId), name: unique('workspace'), applicationIds, policyId },
        token,
      );

    const newGroup = (orgId: string | undefined, token?: string): Promise<Group> =>
      create(groupSchema, '/iam/groups', { ...inOrg(orgId), name: unique('group') }, token);

    async function addMember(groupId: string, userId: string, token?: string): Promise<void> {
      const result = await api('PUT', `/iam/groups/${groupId}/members/${userId}`, {
        token: token ?? (await adminToken()),
      });
      expectStatus(result, 200);
      expect(groupMembershipSchema.parse(result.body)).toMatchObject({ groupId, userId });
    }

    const newEntitlement = (
      subject: { workspaceId: string; userId?: string; groupId?: string },
      token?: string,
    ): Promise<Entitlement> => create(entitlementSchema, '/iam/entitlements', subject, token);

    const newApiKey = (
      orgId: string | undefined,
      scopes: ApiKeyScope[],
      token?: string,
    ): Promise<CreatedApiKey> =>
      create(createdApiKeySchema, '/iam/api-keys', { ...inOrg(orgId), name: unique('key'), scopes }, token);

    // ---- service ---------------------------------------------------------------------------------------

    describe('service', () => {
      it('is ready with its database', async () => {
        const result = await api('GET', '/health/ready');
        expectStatus(result, 200);
        expect(result.body).toMatchObject({ status: 'ok', info: { 'iam-database': { status: 'up' } } });
      });

      it('describes itself in OpenAPI 3.1', async () => {
        const result = await api('GET', '/iam/openapi.json');
        expectStatus(result, 200);
        const document = asRecord(result.body);
        expect(String(document['openapi'])).toMatch(/^3\.1/);
        expect(Object.keys(asRecord(document['paths']))).toEqual(
          expect.arrayContaining([
            '/iam/auth/login',
            '/iam/users',
            '/iam/users/{id}',
            '/iam/entitlements/resolve',
            '/iam/me/workspaces',
          ]),
        );
      });

      it('has the bootstrap admin as a platform admin of the default organization', async () => {
        const tokens = await adminTokens();
        expect(tokens.user).toMatchObject({ username: current().admin.username, role: 'platform-admin' });
        const me = await read(meResponseSchema, '/iam/me');
        expect(me).toMatchObject({
          id: tokens.user.id,
          username: current().admin.username,
          role: 'platform-admin',
          orgSlug: 'default',
          orgId: tokens.user.orgId,
        });
      });
    });

    // ---- login -----------------------------------------------------------------------------------------

    describe('login', () => {
      it('answers a token response for the right password', async () => {
        const org = await newOrg();
        const { user, password } = await newUser(org.id);
        const result = await tryLogin(user.username, password);
        expectStatus(result, 200);
        const tokens = tokenResponseSchema.parse(result.body);
        expect(tokens.user).toEqual({
          id: user.id,
          username: user.username,
          displayName: user.displayName,
          orgId: org.id,
          role: 'user',
        });
        expect(tokens.expiresIn).toBeLessThanOrEqual(900);
        expect(tokens.refreshToken).not.toBe(tokens.accessToken);
        expect(jwtHeader(tokens.accessToken)['alg']).toBe('HS256');
        const after = await read(userSchema, `/iam/users/${user.id}`);
        expect(after.lastLoginAt).not.toBeNull();
      });

      it('answers 401 to a wrong password and to an unknown user, with the same message', async () => {
        const org = await newOrg();
        const { user } = await newUser(org.id);
        const wrong = expectError(await tryLogin(user.username, strongPassword()), 401, 'unauthorized');
        const unknown = expectError(await tryLogin(unique('nobody'), strongPassword()), 401, 'unauthorized');
        expect(unknown.message).toBe(wrong.message);
        expect(wrong.message).not.toMatch(new RegExp(user.username));
      });

      it('refuses a malformed login body naming the field', async () => {
        expectError(
          await api('POST', '/iam/auth/login', { body: { username: 'x' } }),
          400,
          'validation_failed',
          'password',
        );
        expectError(
          await api('POST', '/iam/auth/login', { body: { username: 'x', password: 'y', extra: 1 } }),
          400,
          'validation_failed',
          'extra',
        );
      });

      it('slows a user down after 3 failures: 429 with Retry-After even for the right password', async () => {
        const org = await newOrg();
        const { user, password } = await newUser(org.id);
        for (let failure = 1; failure <= 3; failure++) {
          expectError(await tryLogin(user.username, strongPassword()), 401, 'unauthorized');
        }
        const throttled = await tryLogin(user.username, password);
        expectError(throttled, 429, 'rate_limited');
        const wait = retryAfter(throttled);
        expect(wait).toBeGreaterThanOrEqual(1);
        expect(wait).toBeLessThanOrEqual(2);
        // Once the wait is over the right password gets in.
        await sleep(wait * 1000 + 250);
        expectStatus(await tryLogin(user.username, password), 200);
      });

      it('doubles the wait after each further failure and locks the user after 6', async () => {
        const org = await newOrg();
        const { user, password } = await newUser(org.id);
        for (let failure = 1; failure <= 3; failure++) {
          expectError(await tryLogin(user.username, strongPassword()), 401, 'unauthorized');
        }
        // Failures 4 to 6, each after waiting out the slow-down (1 s, 2 s, then 4 s): every wait is longer.
        const waits: number[] = [];
        for (let failure = 4; failure <= 6; failure++) {
          const throttled = await tryLogin(user.username, strongPassword());
          expectError(throttled, 429, 'rate_limited');
          waits.push(retryAfter(throttled));
          await sleep(waits.at(-1)! * 1000 + 250);
          const attempt = await tryLogin(user.username, strongPassword());
          // The sixth failure is still a wrong password; it is the one that locks.
          expectStatus(attempt, failure < 6 ? 401 : [401, 429]);
        }
        expect(waits[0]).toBeGreaterThanOrEqual(1);
        expect(waits[1]).toBeGreaterThan(waits[0]!);
        expect(waits[2]).toBeGreaterThan(waits[1]!);
        expect(waits[2]).toBeLessThanOrEqual(5);
        // Locked for lockoutSeconds (600), the right password included.
        const locked = await tryLogin(user.username, password);
        expectError(locked, 429, 'rate_limited');
        const lockout = retryAfter(locked);
        expect(lockout).toBeGreaterThan(60);
        expect(lockout).toBeLessThanOrEqual(600);
        await sleep(1_000);
        expectError(await tryLogin(user.username, password), 429, 'rate_limited');
      }, 60_000);

      it('resets the failure count on a successful login', async () => {
        const org = await newOrg();
        const { user, password } = await newUser(org.id);
        for (let failure = 1; failure <= 2; failure++) {
          expectError(await tryLogin(user.username, strongPassword()), 401, 'unauthorized');
        }
        expectStatus(await tryLogin(user.username, password), 200);
        // Without the reset these would be failures 3 and 4, and the next try would have to wait.
        for (let failure = 1; failure <= 2; failure++) {
          expectError(await tryLogin(user.username, strongPassword()), 401, 'unauthorized');
        }
        expectStatus(await tryLogin(user.username, password), 200);
      });

      it('answers 401 to a disabled user with the right password', async () => {
        const org = await newOrg();
        const { user, password } = await newUser(org.id);
        const disabled = await api('PATCH', `/iam/users/${user.id}`, {
          token: await adminToken(),
          body: { disabled: true },
        });
        expectStatus(disabled, 200);
        expectStatus(await tryLogin(user.username, password), [401, 403]);
      });
    });

    // ---- refresh and logout ----------------------------------------------------------------------------

    describe('refresh tokens', () => {
      const refresh = (refreshToken: string): Promise<ApiResult> =>
        api('POST', '/iam/auth/refresh', { body: { refreshToken } });

      it('rotate on every use; a reused one revokes its whole family', async () => {
        const org = await newOrg();
        const { user, password } = await newUser(org.id);
        const first = await login(user.username, password);
        const rotated = await refresh(first.refreshToken);
        expectStatus(rotated, 200);
        const second = tokenResponseSchema.parse(rotated.body);
        expect(second.refreshToken).not.toBe(first.refreshToken);
        expect(second.user.id).toBe(user.id);
        expectStatus(await api('GET', '/iam/me', { token: second.accessToken }), 200);

        // The old token again: a replay, so the family (including the newest token) is revoked.
        expectError(await refresh(first.refreshToken), 401, 'unauthorized');
        expectError(await refresh(second.refreshToken), 401, 'unauthorized');

        // Another login starts a new family that works.
        const fresh = await login(user.username, password);
        expectStatus(await refresh(fresh.refreshToken), 200);
      });

      it('end at logout', async () => {
        const org = await newOrg();
        const { user, password } = await newUser(org.id);
        const tokens = await login(user.username, password);
        const logout = await api('POST', '/iam/auth/logout', { body: { refreshToken: tokens.refreshToken } });
        expectStatus(logout, 200);
        expect(logoutResponseSchema.parse(logout.body)).toEqual({ success: true });
        expectError(await refresh(tokens.refreshToken), 401, 'unauthorized');
      });

      it('answers 401 to a token that was never issued', async () => {
        expectError(await refresh(randomText(43)), 401, 'unauthorized');
      });
    });

    // ---- access tokens ---------------------------------------------------------------------------------

    describe('access tokens on GET /iam/me', () => {
      let account: Account;
      const me = (token?: string): Promise<ApiResult> =>
        api('GET', '/iam/me', token === undefined ? {} : { token });

      beforeAll(async () => {
        account = await newAccount((await newOrg()).id);
      });

      it('answers the caller for a valid token', async () => {
        const result = await me(account.token);
        expectStatus(result, 200);
        expect(meResponseSchema.parse(result.body)).toMatchObject({
          id: account.user.id,
          username: account.user.username,
          orgId: account.user.orgId,
          role: 'user',
          email: null,
        });
      });

      it('answers 401 without a token or with one that is not a JWT', async () => {
        expectError(await me(), 401, 'unauthorized');
        expectError(await me('not-a-jwt'), 401, 'unauthorized');
      });

      it('answers 401 to an unsecured token (alg none)', async () => {
        expectError(await me(unsecuredCopy(account.token)), 401, 'unauthorized');
      });

      it('answers 401 to a tampered payload', async () => {
        const claims = { ...jwtPayload(account.token), role: 'platform-admin' };
        expectError(await me(withPayload(account.token, claims)), 401, 'unauthorized');
      });

      it('answers 401 to an expired token signed with the right key', async () => {
        const header = jwtHeader(account.token);
        const claims = jwtPayload(account.token);
        // The same claims re-signed here are accepted, so the refusal below is the expiry alone.
        expectStatus(await me(signJwt(claims, current().signingKey, 'HS256', header)), 200);
        const now = Math.floor(Date.now() / 1000);
        const expired = {
          ...claims,
          iat: now - 7200,
          exp: now - 3600,
          ...('nbf' in claims ? { nbf: now - 7200 } : {}),
        };
        expectError(await me(signJwt(expired, current().signingKey, 'HS256', header)), 401, 'unauthorized');
      });

      it('answers 401 to HS512 with the right key and to HS256 with another key', async () => {
        const header = jwtHeader(account.token);
        const claims = jwtPayload(account.token);
        expectError(await me(signJwt(claims, current().signingKey, 'HS512', header)), 401, 'unauthorized');
        expectError(await me(signJwt(claims, randomText(48), 'HS256', header)), 401, 'unauthorized');
      });

      it('answers 401, signed with the right key, to no expiry, a lifetime past accessTokenTtl or a future iat', async () => {
        const header = jwtHeader(account.token);
        const claims = jwtPayload(account.token);
        const signed = (changed: Record<string, unknown>) =>
          me(signJwt(changed, current().signingKey, 'HS256', header));
        const now = Math.floor(Date.now() / 1000);
        const { exp: _exp, ...noExpiry } = claims;
        expectError(await signed(noExpiry), 401, 'unauthorized');
        expectError(await signed({ ...claims, exp: now + 10 * 365 * 86_400 }), 401, 'unauthorized');
        expectError(await signed({ ...claims, iat: now + 3_600, exp: now + 3_900 }), 401, 'unauthorized');
        // The claims as issued, re-signed: accepted, so each refusal above is the one change.
        expectStatus(await signed(claims), 200);
      });

      it("answers 401, signed with the right key, to a user who does not exist or a role that is not the user's", async () => {
        const header = jwtHeader(account.token);
        const claims = jwtPayload(account.token);
        const signed = (changed: Record<string, unknown>) =>
          me(signJwt(changed, current().signingKey, 'HS256', header));
        expectError(await signed({ ...claims, sub: randomUUID() }), 401, 'unauthorized');
        expectError(await signed({ ...claims, role: 'platform-admin' }), 401, 'unauthorized');
        expectError(await signed({ ...claims, org: randomUUID() }), 401, 'unauthorized');
      });
    });

    // ---- revocation ------------------------------------------------------------------------------------

    describe("a user's access tokens stop working", () => {
      const me = (token: string): Promise<ApiResult> => api('GET', '/iam/me', { token });

      it('at logout, and when a refresh token is replayed', async () => {
        const org = await newOrg();
        const { user, password } = await newUser(org.id);
        const first = await login(user.username, password);
        expectStatus(await me(first.accessToken), 200);
        expectStatus(
          await api('POST', '/iam/auth/logout', { body: { refreshToken: first.refreshToken } }),
          200,
        );
        expectError(await me(first.accessToken), 401, 'unauthorized');

        const second = await login(user.username, password);
        const rotated = tokenResponseSchema.parse(
          (await api('POST', '/iam/auth/refresh', { body: { refreshToken: second.refreshToken } })).body,
        );
        expectStatus(await me(rotated.accessToken), 200);
        // The first refresh token again: whoever replays it may hold the family's access token too.
        expectError(
          await api('POST', '/iam/auth/refresh', { body: { refreshToken: second.refreshToken } }),
          401,
          'unauthorized',
        );
        expectError(await me(rotated.accessToken), 401, 'unauthorized');
      });

      it.each([
        ['a new password', () => ({ password: strongPassword() })],
        ['disabling', () => ({ disabled: true })],
        ['a lower role', () => ({ role: 'user' })],
      ])('after %s', async (_change, body) => {
        const org = await newOrg();
        const account = await newAccount(org.id, 'org-admin');
        expectStatus(await me(account.token), 200);
        expectStatus(
          await api('PATCH', `/iam/users/${account.user.id}`, { token: await adminToken(), body: body() }),
          200,
        );
        expectError(await me(account.token), 401, 'unauthorized');
      });

      it('when the user is deleted', async () => {
        const org = await newOrg();
        const account = await newAccount(org.id);
        expectStatus(
          await api('DELETE', `/iam/users/${account.user.id}`, { token: await adminToken() }),
          204,
        );
        expectError(await me(account.token), 401, 'unauthorized');
      });
    });

    // ---- CRUD ------------------------------------------------------------------------------------------

    const crudCases: CrudCase[] = [
      {
        resource: 'organizations',
        path: '/iam/organizations',
        createSchema: organizationSchema,
        schema: organizationSchema,
        pageSchema: organizationPageSchema,
        prepare: async () => {
          const text = unique('org');
          return {
            bodies: [
              { name: `${text} a`, slug: `${text}-a` },
              { name: `${text} b`, slug: `${text}-b` },
            ],
            filter: `q=${text}`,
            noMatch: `q=${unique('none')}`,
            update: { name: `${text} renamed` },
          };
        },
        echoed: ['name', 'slug'],
        invalid: (valid) => [
          { body: { ...valid, slug: 'Not A Slug' }, field: 'slug' },
          { body: { ...valid, name: '' }, field: 'name' },
          { body: without(valid, 'slug'), field: 'slug' },
        ],
        invalidPatches: [{ body: { slug: '-bad-' }, field: 'slug' }],
        hidden: [],
        duplicate: (first) => ({ name: `${String(first['name'])} again`, slug: first['slug'] }),
      },
      {
        resource: 'users',
        path: '/iam/users',
        createSchema: userSchema,
        schema: userSchema,
        pageSchema: userPageSchema,
        prepare: async (org) => {
          const text = unique('user');
          const body = (suffix: string): Body => ({
            orgId: org.id,
            username: `${text}-${suffix}`,
            password: strongPassword(),
            email: `${text}-${suffix}@example.com`,
            displayName: `User ${suffix}`,
            role: 'user',
          });
          return {
            bodies: [body('a'), body('b')],
            filter: `orgId=${org.id}&q=${text}`,
            noMatch: `orgId=${org.id}&q=${unique('none')}`,
            update: { displayName: 'Renamed User', email: null },
          };
        },
        echoed: ['orgId', 'username', 'email', 'displayName', 'role'],
        invalid: (valid) => [
          { body: { ...valid, password: 'short' }, field: 'password' },
          { body: { ...valid, username: '-leading-hyphen' }, field: 'username' },
          { body: { ...valid, email: 'not-an-email' }, field: 'email' },
          { body: { ...valid, role: 'root' }, field: 'role' },
          { body: without(valid, 'password'), field: 'password' },
        ],
        invalidPatches: [
          { body: { password: 'aaaaaaaaaaaaaaaa' }, field: 'password' },
          { body: { disabled: 'yes' }, field: 'disabled' },
        ],
        hidden: ['password', 'passwordHash'],
        duplicate: (first) => ({ ...first, password: strongPassword(), email: undefined }),
      },
      {
        resource: 'groups',
        path: '/iam/groups',
        createSchema: groupSchema,
        schema: groupSchema,
        pageSchema: groupPageSchema,
        prepare: async (org) => {
          const text = unique('group');
          return {
            bodies: [
              { orgId: org.id, name: `${text} a`, description: 'first' },
              { orgId: org.id, name: `${text} b`, description: 'second' },
            ],
            filter: `orgId=${org.id}&q=${text}`,
            noMatch: `orgId=${org.id}&q=${unique('none')}`,
            update: { description: 'changed' },
          };
        },
        echoed: ['orgId', 'name', 'description'],
        invalid: (valid) => [
          { body: { ...valid, name: '   ' }, field: 'name' },
          { body: { ...valid, description: 'x'.repeat(2001) }, field: 'description' },
        ],
        invalidPatches: [{ body: { name: '' }, field: 'name' }],
        hidden: [],
        duplicate: (first) => ({ ...first, description: 'again' }),
      },
      {
        resource: 'applications',
        path: '/iam/applications',
        createSchema: applicationSchema,
        schema: applicationSchema,
        pageSchema: applicationPageSchema,
        prepare: async (org) => {
          const text = unique('app');
          return {
            bodies: [
              { orgId: org.id, name: `${text} a`, exe: '/usr/bin/xterm', args: '-e top', description: 'a' },
              { orgId: org.id, name: `${text} b`, exe: 'C:\\Windows\\notepad.exe', args: '' },
            ],
            filter: `orgId=${org.id}&q=${text}`,
            noMatch: `orgId=${org.id}&q=${unique('none')}`,
            update: { args: '-e htop', icon: 'data:image/png;base64,iVBORw0KGgo=' },
          };
        },
        echoed: ['orgId', 'name', 'exe', 'args', 'description'],
        invalid: (valid) => [
          { body: without(valid, 'exe'), field: 'exe' },
          { body: { ...valid, exe: '' }, field: 'exe' },
          { body: { ...valid, icon: 'ftp://example.com/icon.png' }, field: 'icon' },
          { body: { ...valid, args: 'a'.repeat(4097) }, field: 'args' },
        ],
        invalidPatches: [{ body: { icon: 'not-an-icon' }, field: 'icon' }],
        hidden: [],
        duplicate: (first) => ({ ...first, exe: '/usr/bin/other' }),
      },
      {
        resource: 'policies',
        path: '/iam/policies',
        createSchema: policySchema,
        schema: policySchema,
        pageSchema: policyPageSchema,
        prepare: async (org) => {
          const text = unique('policy');
          return {
            bodies: [
              { orgId: org.id, name: `${text} a`, description: 'strict', rules: testRules },
              { orgId: org.id, name: `${text} b` },
            ],
            filter: `orgId=${org.id}&q=${text}`,
            noMatch: `orgId=${org.id}&q=${unique('none')}`,
            update: { rules: { ...testRules, printing: false, audio: false } },
          };
        },
        echoed: ['orgId', 'name', 'description', 'rules'],
        invalid: (valid) => [
          {
            body: { ...valid, rules: { ...testRules, maxSessionSeconds: 600, sessionWarningSeconds: 600 } },
            field: 'rules.sessionWarningSeconds',
          },
          {
            body: { ...valid, rules: { ...testRules, clipboard: { ...testRules.clipboard, maxBytes: 0 } } },
            field: 'rules.clipboard.maxBytes',
          },
        ],
        invalidPatches: [{ body: { rules: { printing: true } }, field: /^rules\./ }],
        hidden: [],
        duplicate: (first) => ({ ...first, description: 'again' }),
      },
      {
        resource: 'workspaces',
        path: '/iam/workspaces',
        createSchema: workspaceSchema,
        schema: workspaceSchema,
        pageSchema: workspacePageSchema,
        prepare: async (org) => {
          const application = await newApplication(org.id);
          const policy = await newPolicy(org.id);
          const text = unique('workspace');
          const body = (suffix: string): Body => ({
            orgId: org.id,
            name: `${text} ${suffix}`,
            type: 'desktop',
            applicationIds: [application.id],
            policyId: policy.id,
            maxSessions: 3,
            requiredTags: ['gpu', 'zone=eu'],
          });
          return {
            bodies: [body('a'), body('b')],
            // A resource filter rather than q: the application is new, so exactly these two offer it.
            filter: `orgId=${org.id}&applicationId=${application.id}`,
            noMatch: `orgId=${org.id}&applicationId=${randomUUID()}`,
            update: { maxSessions: null, description: 'changed', type: 'app' },
          };
        },
        echoed: ['orgId', 'name', 'type', 'applicationIds', 'policyId', 'maxSessions', 'requiredTags'],
        invalid: (valid) => [
          { body: { ...valid, applicationIds: [] }, field: 'applicationIds' },
          { body: without(valid, 'applicationIds'), field: 'applicationIds' },
          { body: { ...valid, applicationIds: ['not-a-uuid'] }, field: 'applicationIds[0]' },
          { body: { ...valid, requiredTags: ['not a tag'] }, field: 'requiredTags[0]' },
          { body: { ...valid, type: 'vm' }, field: 'type' },
          { body: { ...valid, maxSessions: 0 }, field: 'maxSessions' },
        ],
        invalidPatches: [{ body: { applicationIds: [] }, field: 'applicationIds' }],
        hidden: [],
        duplicate: (first) => ({ ...first, description: 'again' }),
      },
      {
        resource: 'entitlements',
        path: '/iam/entitlements',
        createSchema: entitlementSchema,
        schema: entitlementSchema,
        pageSchema: entitlementPageSchema,
        prepare: async (org) => {
          const application = await newApplication(org.id);
          const workspace = await newWorkspace(org.id, [application.id], null);
          const { user } = await newUser(org.id);
          const group = await newGroup(org.id);
          const other = await newGroup(org.id);
          return {
            bodies: [
              { workspaceId: workspace.id, userId: user.id },
              { workspaceId: workspace.id, groupId: group.id },
            ],
            filter: `workspaceId=${workspace.id}`,
            noMatch: `workspaceId=${randomUUID()}`,
            update: { userId: null, groupId: other.id },
          };
        },
        echoed: ['workspaceId', 'userId'],
        invalid: (valid) => [
          { body: { ...valid, groupId: randomUUID() }, field: 'userId' },
          { body: without(valid, 'userId'), field: 'userId' },
          { body: { ...valid, workspaceId: 'not-a-uuid' }, field: 'workspaceId' },
        ],
        invalidPatches: [{ body: { userId: randomUUID(), groupId: randomUUID() }, field: 'userId' }],
        hidden: [],
      },
      {
        resource: 'api-keys',
        path: '/iam/api-keys',
        createSchema: createdApiKeySchema,
        schema: apiKeySchema,
        pageSchema: apiKeyPageSchema,
        prepare: async (org) => {
          const text = unique('key');
          return {
            bodies: [
              { orgId: org.id, name: `${text} a`, scopes: ['iam:read'], expiresInDays: 30 },
              { orgId: org.id, name: `${text} b`, scopes: ['mcp', 'metrics:read'] },
            ],
            filter: `orgId=${org.id}&q=${text}`,
            noMatch: `orgId=${org.id}&q=${unique('none')}`,
            update: { name: `${text} renamed` },
          };
        },
        echoed: ['orgId', 'name', 'scopes'],
        invalid: (valid) => [
          { body: { ...valid, scopes: [] }, field: 'scopes' },
          { body: { ...valid, scopes: ['root'] }, field: 'scopes[0]' },
          { body: { ...valid, scopes: ['mcp', 'mcp'] }, field: 'scopes' },
          { body: { ...valid, expiresInDays: 367 }, field: 'expiresInDays' },
        ],
        invalidPatches: [{ body: { revoked: false }, field: 'revoked' }],
        hidden: ['key', 'secret', 'hash', 'keyHash', 'secretHash'],
      },
    ];

    describe.each(crudCases)('$resource', (crud) => {
      const createRecord = async (body: Body): Promise<Record<string, unknown>> => {
        const result = await api('POST', crud.path, { token: await adminToken(), body });
        expectStatus(result, 201);
        crud.createSchema.parse(result.body);
        return asRecord(result.body);
      };
      const expectHidden = (record: Record<string, unknown>): void => {
        for (const key of crud.hidden)
          expect(record, `${crud.resource} shows ${key}`).not.toHaveProperty(key);
      };

      it('creates (201), reads (200), updates (200) and deletes (204, then 404)', async () => {
        const org = await newOrg();
        const { bodies, update } = await crud.prepare(org);
        const created = await createRecord(bodies[0]);
        for (const field of crud.echoed) expect(created[field], field).toEqual(bodies[0][field]);
        if (crud.resource !== 'organizations') expect(created['orgId']).toBe(org.id);
        const id = String(created['id']);
        const url = `${crud.path}/${id}`;

        const got = await api('GET', url, { token: await adminToken() });
        expectStatus(got, 200);
        expect(crud.schema.parse(got.body)).toMatchObject({ id });
        expect(got.body).toEqual(without(created, 'key'));
        expectHidden(asRecord(got.body));

        const patched = await api('PATCH', url, { token: await adminToken(), body: update });
        expectStatus(patched, 200);
        expect(crud.schema.parse(patched.body)).toMatchObject({ ...update, id });
        expectHidden(asRecord(patched.body));
        expect(Date.parse(String(asRecord(patched.body)['updatedAt']))).toBeGreaterThanOrEqual(
          Date.parse(String(created['updatedAt'])),
        );
        expect(await read(crud.schema, url)).toMatchObject(update);

        const removed = await api('DELETE', url, { token: await adminToken() });
        expectStatus(removed, 204);
        expect(removed.text).toBe('');
        expectError(await api('GET', url, { token: await adminToken() }), 404, 'not_found');
        expectError(await api('DELETE', url, { token: await adminToken() }), 404, 'not_found');
      });

      it('lists pages of {items, page, pageSize, total} under a filter', async () => {
        const org = await newOrg();
        const { bodies, filter, noMatch } = await crud.prepare(org);
        const ids = [
          String((await createRecord(bodies[0]))['id']),
          String((await createRecord(bodies[1]))['id']),
        ];
        const list = async (query: string): Promise<Page<{ id: string }>> => {
          const result = await api('GET', `${crud.path}?${query}`, { token: await adminToken() });
          expectStatus(result, 200);
          const page = crud.pageSchema.parse(result.body);
          for (const item of asRecord(result.body)['items'] as unknown[]) expectHidden(asRecord(item));
          return page;
        };

        const all = await list(filter);
        expect(all).toMatchObject({ page: 1, total: 2 });
        expect(all.items.map((item) => item.id).sort()).toEqual([...ids].sort());

        const first = await list(`${filter}&pageSize=1`);
        expect(first).toMatchObject({ page: 1, pageSize: 1, total: 2 });
        expect(first.items).toHaveLength(1);
        const second = await list(`${filter}&pageSize=1&page=2`);
        expect(second).toMatchObject({ page: 2, pageSize: 1, total: 2 });
        expect(second.items).toHaveLength(1);
        expect([first.items[0]!.id, second.items[0]!.id].sort()).toEqual([...ids].sort());
        const beyond = await list(`${filter}&pageSize=1&page=3`);
        expect(beyond).toMatchObject({ items: [], total: 2 });

        expect(await list(noMatch)).toMatchObject({ items: [], total: 0 });
      });

      it('refuses invalid bodies with 400 validation_failed naming the field', async () => {
        const org = await newOrg();
        const { bodies } = await crud.prepare(org);
        const token = await adminToken();
        for (const { body, field } of crud.invalid(bodies[0])) {
          expectError(await api('POST', crud.path, { token, body }), 400, 'validation_failed', field);
        }
        expectError(
          await api('POST', crud.path, { token, body: { ...bodies[0], colour: 'red' } }),
          400,
          'validation_failed',
          'colour',
        );
        expectError(await api('POST', crud.path, { token, body: [] }), 400, 'validation_failed');

        const created = await createRecord(bodies[0]);
        const url = `${crud.path}/${String(created['id'])}`;
        expectError(await api('PATCH', url, { token, body: {} }), 400, 'validation_failed');
        expectError(
          await api('PATCH', url, { token, body: { colour: 'red' } }),
          400,
          'validation_failed',
          'colour',
        );
        for (const { body, field } of crud.invalidPatches) {
          expectError(await api('PATCH', url, { token, body }), 400, 'validation_failed', field);
        }
        // Nothing was changed by the refused requests.
        expect(await read(crud.schema, url)).toEqual(without(created, 'key'));
      });

      it('answers 400 to a malformed id or an unknown query parameter, 404 to an unknown id', async () => {
        const org = await newOrg();
        const { update } = await crud.prepare(org);
        const token = await adminToken();
        const malformed = `${crud.path}/not-a-uuid`;
        expectError(await api('GET', malformed, { token }), 400, 'validation_failed', /(^|\.)id$/);
        expectError(
          await api('PATCH', malformed, { token, body: update }),
          400,
          'validation_failed',
          /(^|\.)id$/,
        );
        expectError(await api('DELETE', malformed, { token }), 400, 'validation_failed', /(^|\.)id$/);

        const unknown = `${crud.path}/${randomUUID()}`;
        expectError(await api('GET', unknown, { token }), 404, 'not_found');
        expectError(await api('PATCH', unknown, { token, body: update }), 404, 'not_found');
        expectError(await api('DELETE', unknown, { token }), 404, 'not_found');

        expectError(
          await api('GET', `${crud.path}?colour=red`, { token }),
          400,
          'validation_failed',
          /colour$/,
        );
        expectError(
          await api('GET', `${crud.path}?pageSize=0`, { token }),
          400,
          'validation_failed',
          /pageSize$/,
        );
        expectError(
          await api('GET', `${crud.path}?pageSize=201`, { token }),
          400,
          'validation_failed',
          /pageSize$/,
        );
        expectError(
          await api('GET', `${crud.path}?page=first`, { token }),
          400,
          'validation_failed',
          /page$/,
        );
      });

      if (crud.duplicate) {
        const duplicate = crud.duplicate;
        it('answers 409 to a second record of the same name in one organization', async () => {
          const org = await newOrg();
          const { bodies } = await crud.prepare(org);
          await createRecord(bodies[0]);
          const clash = await api('POST', crud.path, {
            token: await adminToken(),
            body: duplicate(bodies[0]),
          });
          expectError(clash, 409, 'conflict');
        });
      }
    });

    describe('users across organizations', () => {
      it('allows one username in two organizations; login then names the organization', async () => {
        const [first, second] = [await newOrg(), await newOrg()];
        const username = unique('twin');
        const passwords = [strongPassword(), strongPassword()] as const;
        await create(userSchema, '/iam/users', { orgId: first.id, username, password: passwords[0] });
        const twin = await create(userSchema, '/iam/users', {
          orgId: second.id,
          username,
          password: passwords[1],
        });
        expect(twin.orgId).toBe(second.id);
        const result = await api('POST', '/iam/auth/login', {
          body: { username, password: passwords[1], organization: second.slug },
        });
        expectStatus(result, 200);
        expect(tokenResponseSchema.parse(result.body).user).toMatchObject({ id: twin.id, orgId: second.id });
      });
    });

    describe('group members', () => {
      it('are added (PUT 200), listed, counted and removed (DELETE 204)', async () => {
        const org = await newOrg();
        const group = await newGroup(org.id);
        const { user } = await newUser(org.id);
        const token = await adminToken();
        const memberUrl = `/iam/groups/${group.id}/members/${user.id}`;

        await addMember(group.id, user.id);
        // PUT is idempotent.
        await addMember(group.id, user.id);
        expect((await read(groupSchema, `/iam/groups/${group.id}`)).memberCount).toBe(1);

        const members = await api('GET', `/iam/groups/${group.id}/members`, { token });
        expectStatus(members, 200);
        expect(memberIds(members.body)).toEqual([user.id]);
        const byGroup = await read(userPageSchema, `/iam/users?groupId=${group.id}`);
        expect(byGroup.items.map((item) => item.id)).toEqual([user.id]);
        const byUser = await read(groupPageSchema, `/iam/groups?userId=${user.id}`);
        expect(byUser.items.map((item) => item.id)).toEqual([group.id]);

        const removed = await api('DELETE', memberUrl, { token });
        expectStatus(removed, 204);
        expect((await read(groupSchema, `/iam/groups/${group.id}`)).memberCount).toBe(0);
        expect((await read(userPageSchema, `/iam/users?groupId=${group.id}`)).total).toBe(0);
        expectError(await api('DELETE', memberUrl, { token }), 404, 'not_found');
      });

      it('answers 404 to an unknown user or group and 400 to a malformed id', async () => {
        const org = await newOrg();
        const group = await newGroup(org.id);
        const { user } = await newUser(org.id);
        const token = await adminToken();
        expectError(
          await api('PUT', `/iam/groups/${group.id}/members/${randomUUID()}`, { token }),
          404,
          'not_found',
        );
        expectError(
          await api('PUT', `/iam/groups/${randomUUID()}/members/${user.id}`, { token }),
          404,
          'not_found',
        );
        expectError(
          await api('PUT', `/iam/groups/${group.id}/members/not-a-uuid`, { token }),
          400,
          'validation_failed',
          /userId$/,
        );
        expect((await read(groupSchema, `/iam/groups/${group.id}`)).memberCount).toBe(0);
      });
    });

    // ---- tenant isolation ------------------------------------------------------------------------------

    describe('tenant isolation', () => {
      interface Tenant {
        org: Organization;
        admin: Account;
        user: User;
        group: Group;
        application: Application;
        policy: Policy;
        workspace: Workspace;
        entitlement: Entitlement;
        apiKey: CreatedApiKey;
      }
      let a: Tenant;
      let b: Tenant;

      /** An organization and its org-admin, who makes one record of each resource without naming the org. */
      async function buildTenant(): Promise<Tenant> {
        const org = await newOrg();
        const admin = await newAccount(org.id, 'org-admin');
        const token = admin.token;
        const { user } = await newUser(undefined, { token });
        const group = await newGroup(undefined, token);
        const application = await newApplication(undefined, token);
        const policy = await newPolicy(undefined, token);
        const workspace = await newWorkspace(undefined, [application.id], policy.id, token);
        const entitlement = await newEntitlement({ workspaceId: workspace.id, userId: user.id }, token);
        const apiKey = await newApiKey(undefined, ['iam:read'], token);
        return { org, admin, user, group, application, policy, workspace, entitlement, apiKey };
      }

      /** Each resource's record of a tenant, and a valid PATCH body for it. */
      function targets(tenant: Tenant): Record<Resource, { url: string; id: string; patch: Body }> {
        return {
          organizations: {
            url: `/iam/organizations/${tenant.org.id}`,
            id: tenant.org.id,
            patch: { name: 'hijacked' },
          },
          users: {
            url: `/iam/users/${tenant.user.id}`,
            id: tenant.user.id,
            patch: { displayName: 'hijacked' },
          },
          groups: {
            url: `/iam/groups/${tenant.group.id}`,
            id: tenant.group.id,
            patch: { description: 'hijacked' },
          },
          applications: {
            url: `/iam/applications/${tenant.application.id}`,
            id: tenant.application.id,
            patch: { args: '--hijacked' },
          },
          policies: {
            url: `/iam/policies/${tenant.policy.id}`,
            id: tenant.policy.id,
            patch: { description: 'hijacked' },
          },
          workspaces: {
            url: `/iam/workspaces/${tenant.workspace.id}`,
            id: tenant.workspace.id,
            patch: { description: 'hijacked' },
          },
          entitlements: {
            url: `/iam/entitlements/${tenant.entitlement.id}`,
            id: tenant.entitlement.id,
            patch: { userId: null, groupId: tenant.group.id },
          },
          'api-keys': {
            url: `/iam/api-keys/${tenant.apiKey.id}`,
            id: tenant.apiKey.id,
            patch: { name: 'hijacked' },
          },
        };
      }

      beforeAll(async () => {
        a = await buildTenant();
        b = await buildTenant();
      }, 120_000);

      it("puts an org-admin's records in their own organization", () => {
        for (const tenant of [a, b]) {
          for (const record of [
            tenant.user,
            tenant.group,
            tenant.application,
            tenant.policy,
            tenant.workspace,
            tenant.entitlement,
            tenant.apiKey,
          ]) {
            expect(record.orgId).toBe(tenant.org.id);
          }
        }
      });

      it.each(RESOURCES)(
        "hides another organization's %s: 404 to read, change and delete, absent from lists",
        async (resource) => {
          const mine = targets(a)[resource];
          const theirs = targets(b)[resource];
          // Organizations are the platform admins' to change: an org-admin may also be told 403 there.
          const refused = resource === 'organizations' ? [403, 404] : [404];
          const before = await api('GET', theirs.url, { token: await adminToken() });
          expectStatus(before, 200);
          // Their own admin sees the record: the refusals below are about the organization, not the record.
          expectStatus(await api('GET', theirs.url, { token: b.admin.token }), 200);

          expectError(await api('GET', theirs.url, { token: a.admin.token }), 404, 'not_found');
          expectStatus(await api('PATCH', theirs.url, { token: a.admin.token, body: theirs.patch }), refused);
          expectStatus(await api('DELETE', theirs.url, { token: a.admin.token }), refused);
          const after = await api('GET', theirs.url, { token: await adminToken() });
          expectStatus(after, 200);
          expect(after.body).toEqual(before.body);

          const listBase = `/iam/${resource}?pageSize=200`;
          for (const query of resource === 'organizations'
            ? [listBase]
            : [listBase, `${listBase}&orgId=${b.org.id}`]) {
            const list = await api('GET', query, { token: a.admin.token });
            if (list.status === 403 && (resource === 'organizations' || query !== listBase)) continue;
            expectStatus(list, 200);
            const items = asRecord(list.body)['items'] as { id: string; orgId?: string }[];
            expect(Array.isArray(items), show(list)).toBe(true);
            expect(items.map((item) => item.id)).not.toContain(theirs.id);
            if (resource !== 'organizations') {
              expect(
                items.every((item) => item.orgId === a.org.id),
                show(list),
              ).toBe(true);
              if (query === listBase) expect(items.map((item) => item.id)).toContain(mine.id);
            }
          }
        },
      );

      it("refuses a workspace that offers another organization's application or policy", async () => {
        const token = a.admin.token;
        const name = unique('crossing');
        expectStatus(
          await api('POST', '/iam/workspaces', { token, body: { name, applicationIds: [b.application.id] } }),
          [400, 404],
        );
        expectStatus(
          await api('POST', '/iam/workspaces', {
            token,
            body: { name, applicationIds: [a.application.id], policyId: b.policy.id },
          }),
          [400, 404],
        );
        expect((await read(workspacePageSchema, `/iam/workspaces?q=${name}`)).total).toBe(0);

        expectStatus(
          await api('PATCH', `/iam/workspaces/${a.workspace.id}`, {
            token,
            body: { applicationIds: [a.application.id, b.application.id] },
          }),
          [400, 404],
        );
        expectStatus(
          await api('PATCH', `/iam/workspaces/${a.workspace.id}`, { token, body: { policyId: b.policy.id } }),
          [400, 404],
        );
        const unchanged = await read(workspaceSchema, `/iam/workspaces/${a.workspace.id}`);
        expect(unchanged).toMatchObject({ applicationIds: [a.application.id], policyId: a.policy.id });
      });

      it('refuses entitlements and memberships that cross organizations', async () => {
        const token = a.admin.token;
        expectStatus(
          await api('POST', '/iam/entitlements', {
            token,
            body: { workspaceId: a.workspace.id, userId: b.user.id },
          }),
          [400, 404],
        );
        expectStatus(
          await api('POST', '/iam/entitlements', {
            token,
            body: { workspaceId: a.workspace.id, groupId: b.group.id },
          }),
          [400, 404],
        );
        expectStatus(
          await api('POST', '/iam/entitlements', {
            token,
            body: { workspaceId: b.workspace.id, userId: a.user.id },
          }),
          [400, 404],
        );
        const ofA = await read(entitlementPageSchema, `/iam/entitlements?workspaceId=${a.workspace.id}`);
        expect(ofA.items.map((item) => item.id)).toEqual([a.entitlement.id]);
        const ofB = await read(entitlementPageSchema, `/iam/entitlements?workspaceId=${b.workspace.id}`);
        expect(ofB.items.map((item) => item.id)).toEqual([b.entitlement.id]);

        expectStatus(
          await api('PUT', `/iam/groups/${a.group.id}/members/${b.user.id}`, { token }),
          [400, 404],
        );
        expectError(
          await api('PUT', `/iam/groups/${b.group.id}/members/${a.user.id}`, { token }),
          404,
          'not_found',
        );
        expect((await read(groupSchema, `/iam/groups/${a.group.id}`)).memberCount).toBe(0);
        expect((await read(groupSchema, `/iam/groups/${b.group.id}`)).memberCount).toBe(0);
      });

      it('keeps an org-admin in their organization and below platform admin', async () => {
        const token = a.admin.token;
        // Naming another organization is refused, or ignored in favour of the admin's own.
        const username = unique('stray');
        const stray = await api('POST', '/iam/users', {
          token,
          body: { orgId: b.org.id, username, password: strongPassword() },
        });
        if (stray.status === 201) expect(userSchema.parse(stray.body).orgId).toBe(a.org.id);
        else expectStatus(stray, [400, 403, 404]);
        expect((await read(userPageSchema, `/iam/users?orgId=${b.org.id}&q=${username}`)).total).toBe(0);

        expectError(
          await api('POST', '/iam/users', {
            token,
            body: { username: unique('boss'), password: strongPassword(), role: 'platform-admin' },
          }),
          403,
          'forbidden',
        );
        expectError(
          await api('PATCH', `/iam/users/${a.user.id}`, { token, body: { role: 'platform-admin' } }),
          403,
          'forbidden',
        );
        expect((await read(userSchema, `/iam/users/${a.user.id}`)).role).toBe('user');
        const slug = unique('org');
        expectError(
          await api('POST', '/iam/organizations', { token, body: { name: slug, slug } }),
          403,
          'forbidden',
        );
      });

      it("does not resolve another organization's user for an org-admin", async () => {
        const result = await api(
          'GET',
          `/iam/entitlements/resolve?userId=${b.user.id}&workspaceId=${b.workspace.id}&appId=${b.application.id}`,
          { token: a.admin.token },
        );
        if (result.status === 200) {
          expect(entitlementResolutionSchema.parse(result.body).entitled).toBe(false);
        } else {
          expectStatus(result, [403, 404]);
        }
        // B's own admin gets the answer: the user is entitled.
        const own = await api(
          'GET',
          `/iam/entitlements/resolve?userId=${b.user.id}&workspaceId=${b.workspace.id}&appId=${b.application.id}`,
          { token: b.admin.token },
        );
        expectStatus(own, 200);
        expect(entitlementResolutionSchema.parse(own.body).entitled).toBe(true);
      });

      it('lets a plain user see and edit only themselves, and not their role', async () => {
        const plain = await newAccount(a.org.id);
        const token = plain.token;
        expectError(await api('GET', '/iam/users', { token }), 403, 'forbidden');
        const own = await api('GET', `/iam/users/${plain.user.id}`, { token });
        expectStatus(own, 200);
        expect(userSchema.parse(own.body).id).toBe(plain.user.id);
        expectError(await api('GET', `/iam/users/${a.user.id}`, { token }), 404, 'not_found');
        expectError(await api('GET', `/iam/users/${b.user.id}`, { token }), 404, 'not_found');

        const renamed = await api('PATCH', `/iam/users/${plain.user.id}`, {
          token,
          body: { displayName: 'Plain Renamed' },
        });
        expectStatus(renamed, 200);
        expect(userSchema.parse(renamed.body).displayName).toBe('Plain Renamed');
        expectError(
          await api('PATCH', `/iam/users/${plain.user.id}`, { token, body: { role: 'org-admin' } }),
          403,
          'forbidden',
        );
        expect((await read(userSchema, `/iam/users/${plain.user.id}`)).role).toBe('user');
      });
    });

    // ---- entitlements ----------------------------------------------------------------------------------

    describe('entitlements', () => {
      interface Entitled {
        org: Organization;
        application: Application;
        outsider: Application;
        policy: Policy;
        workspace: Workspace;
        group: Group;
        member: Account;
      }

      /** A member of a group entitled to a workspace offering one of the organization's two applications. */
      async function entitledMember(): Promise<Entitled> {
        const org = await newOrg();
        const application = await newApplication(org.id);
        const outsider = await newApplication(org.id);
        const policy = await newPolicy(org.id);
        const workspace = await newWorkspace(org.id, [application.id], policy.id);
        const group = await newGroup(org.id);
        const member = await newAccount(org.id);
        await addMember(group.id, member.user.id);
        await newEntitlement({ workspaceId: workspace.id, groupId: group.id });
        return { org, application, outsider, policy, workspace, group, member };
      }

      async function resolve(query: Record<string, string>, token: string) {
        const result = await api(
          'GET',
          `/iam/entitlements/resolve?${new URLSearchParams(query).toString()}`,
          {
            token,
          },
        );
        expectStatus(result, 200);
        return entitlementResolutionSchema.parse(result.body);
      }

      async function myWorkspaces(token: string) {
        return (await read(myWorkspacesResponseSchema, '/iam/me/workspaces', token)).items;
      }

      it("show in the member's workspaces with their applications and policy", async () => {
        const fixture = await entitledMember();
        const items = await myWorkspaces(fixture.member.token);
        expect(items).toHaveLength(1);
        expect(items[0]).toMatchObject({
          id: fixture.workspace.id,
          name: fixture.workspace.name,
          type: 'app',
          applications: [
            {
              id: fixture.application.id,
              name: fixture.application.name,
              exe: fixture.application.exe,
              args: fixture.application.args,
            },
          ],
        });
        expect(items[0]!.applications).toHaveLength(1);
        expect(items[0]!.policy).toEqual(testRules);
      });

      it('resolve to the workspace contract, or to app-not-in-workspace', async () => {
        const { member, workspace, application, outsider, org } = await entitledMember();
        const yes = await resolve({ workspaceId: workspace.id, appId: application.id }, member.token);
        expect(yes.entitled, JSON.stringify(yes)).toBe(true);
        // Other fields may travel beside the contract; the contract itself is exactly this.
        expect(yes).toMatchObject({
          contract: {
            workspaceId: workspace.id,
            workspaceName: workspace.name,
            workspaceType: 'app',
            appId: application.id,
            appExe: application.exe,
            appArgs: application.args,
            userId: member.user.id,
            username: member.user.username,
            orgId: org.id,
            policy: testRules,
          },
        });
        if (yes.entitled) expect(Object.keys(yes.contract).sort()).toEqual(CONTRACT_FIELDS);
        const no = await resolve({ workspaceId: workspace.id, appId: outsider.id }, member.token);
        expect(no).toMatchObject({ entitled: false, reason: 'app-not-in-workspace' });
      });

      it('end at once when the membership is removed', async () => {
        const { member, workspace, application, group } = await entitledMember();
        const query = { workspaceId: workspace.id, appId: application.id };
        // Asked twice so that any cache holds the answer.
        expect((await resolve(query, member.token)).entitled).toBe(true);
        expect((await resolve(query, member.token)).entitled).toBe(true);
        const removed = await api('DELETE', `/iam/groups/${group.id}/members/${member.user.id}`, {
          token: await adminToken(),
        });
        expectStatus(removed, 204);
        expect(await resolve(query, member.token)).toMatchObject({ entitled: false, reason: 'not-entitled' });
        expect(await myWorkspaces(member.token)).toEqual([]);
      });

      it("do not reach another organization's workspace", async () => {
        const { member } = await entitledMember();
        const elsewhere = await entitledMember();
        const other = { workspaceId: elsewhere.workspace.id, appId: elsewhere.application.id };
        expect(await resolve(other, member.token)).toMatchObject({
          entitled: false,
          reason: 'workspace-unknown',
        });
        expect(
          await resolve({ workspaceId: randomUUID(), appId: elsewhere.application.id }, member.token),
        ).toMatchObject({ entitled: false, reason: 'workspace-unknown' });
      });

      it('are refused to a disabled user, and an unknown user is a 404, when an admin asks', async () => {
        const { member, workspace, application } = await entitledMember();
        const token = await adminToken();
        const query = { userId: member.user.id, workspaceId: workspace.id, appId: application.id };
        expect((await resolve(query, token)).entitled).toBe(true);
        expectStatus(
          await api('PATCH', `/iam/users/${member.user.id}`, { token, body: { disabled: true } }),
          200,
        );
        expect(await resolve(query, token)).toMatchObject({ entitled: false, reason: 'user-disabled' });
        // An id that names no user the admin can see is a 404, as for every other record.
        const unknown = new URLSearchParams({ ...query, userId: randomUUID() });
        expectStatus(await api('GET', `/iam/entitlements/resolve?${unknown.toString()}`, { token }), 404);
      });

      it('also come from a direct user entitlement, and end when it is deleted', async () => {
        const org = await newOrg();
        const application = await newApplication(org.id);
        const workspace = await newWorkspace(org.id, [application.id], null);
        const member = await newAccount(org.id);
        const query = { workspaceId: workspace.id, appId: application.id };
        expect(await resolve(query, member.token)).toMatchObject({ entitled: false, reason: 'not-entitled' });
        const entitlement = await newEntitlement({ workspaceId: workspace.id, userId: member.user.id });
        const yes = await resolve(query, member.token);
        expect(yes.entitled).toBe(true);
        // No policy on the workspace: the platform default applies.
        if (yes.entitled) expect(yes.contract.policy).toEqual(defaultPolicy);
        expectStatus(
          await api('DELETE', `/iam/entitlements/${entitlement.id}`, { token: await adminToken() }),
          204,
        );
        expect(await resolve(query, member.token)).toMatchObject({ entitled: false, reason: 'not-entitled' });
      });
    });

    // ---- API keys --------------------------------------------------------------------------------------

    describe('API keys', () => {
      it('are shown once, read as an org-admin, cannot write with iam:read, and stop when revoked', async () => {
        const org = await newOrg();
        const { user } = await newUser(org.id);
        const created = await newApiKey(org.id, ['iam:read']);
        expect(apiKeyTokenSchema.parse(created.key)).toContain(created.prefix);
        expect(created).toMatchObject({ orgId: org.id, scopes: ['iam:read'], revokedAt: null });
        // wsk_<8-character prefix>_<secret>: the secret may itself hold underscores.
        const secret = created.key.slice(KEY_PUBLIC_LENGTH);

        const got = await api('GET', `/iam/api-keys/${created.id}`, { token: await adminToken() });
        expectStatus(got, 200);
        expect(asRecord(got.body)).not.toHaveProperty('key');
        expect(got.text).not.toContain(secret);
        const listed = await api('GET', `/iam/api-keys?orgId=${org.id}`, { token: await adminToken() });
        expectStatus(listed, 200);
        expect(listed.text).not.toContain(secret);
        expect(apiKeyPageSchema.parse(listed.body).items.map((item) => item.id)).toEqual([created.id]);

        const users = await api('GET', '/iam/users', { apiKey: created.key });
        expectStatus(users, 200);
        const page = userPageSchema.parse(users.body);
        expect(page.items.map((item) => item.id)).toContain(user.id);
        expect(page.items.every((item) => item.orgId === org.id)).toBe(true);

        expectError(
          await api('POST', '/iam/users', {
            apiKey: created.key,
            body: { username: unique('keyed'), password: strongPassword() },
          }),
          403,
          'forbidden',
        );

        const revoked = await api('PATCH', `/iam/api-keys/${created.id}`, {
          token: await adminToken(),
          body: { revoked: true },
        });
        expectStatus(revoked, 200);
        expect(apiKeySchema.parse(revoked.body).revokedAt).not.toBeNull();
        expectError(await api('GET', '/iam/users', { apiKey: created.key }), 401, 'unauthorized');
      });

      it('with iam:write change their own organization only', async () => {
        const org = await newOrg();
        const other = await newOrg();
        const { key } = await newApiKey(org.id, ['iam:write']);
        const username = unique('keyed');
        const made = await api('POST', '/iam/users', {
          apiKey: key,
          body: { username, password: strongPassword() },
        });
        expectStatus(made, 201);
        expect(userSchema.parse(made.body).orgId).toBe(org.id);
        const { user: outsider } = await newUser(other.id);
        expectError(
          await api('PATCH', `/iam/users/${outsider.id}`, { apiKey: key, body: { displayName: 'x' } }),
          404,
          'not_found',
        );
      });

      it('answer 401 when unknown or malformed, and an mcp-only key reaches no IAM route', async () => {
        const org = await newOrg();
        const { key, prefix } = await newApiKey(org.id, ['mcp']);
        expectStatus(await api('GET', '/iam/users', { apiKey: key }), [401, 403]);
        const forged = `${key.slice(0, KEY_PUBLIC_LENGTH)}${randomText(43)}`;
        expect(forged).toContain(prefix);
        expectError(await api('GET', '/iam/users', { apiKey: forged }), 401, 'unauthorized');
        expectError(await api('GET', '/iam/users', { apiKey: 'wsk_nonsense' }), 401, 'unauthorized');
      });
    });

    // ---- audit -----------------------------------------------------------------------------------------

    describe('audit', () => {
      it('records user.create and user.update in the metrics engine, without passwords', async () => {
        const org = await newOrg();
        const { user, password } = await newUser(org.id);
        const newPassword = strongPassword();
        const updated = await api('PATCH', `/iam/users/${user.id}`, {
          token: await adminToken(),
          body: { displayName: 'Audited Name', password: newPassword },
        });
        expectStatus(updated, 200);
        const actorId = (await adminTokens()).user.id;
        const { metricsUrl, serviceToken } = current();

        const entries = await eventually(async () => {
          const response = await fetch(`${metricsUrl}/api/audit?targetId=${user.id}`, {
            headers: { authorization: `Bearer ${serviceToken}` },
          });
          expect(response.status).toBe(200);
          const text = await response.text();
          const { items } = auditSearchResponseSchema.parse(JSON.parse(text));
          const actions = items.map((item) => item.action);
          expect(actions).toEqual(expect.arrayContaining(['user.create', 'user.update']));
          return { items, text };
        });

        for (const secret of [password, newPassword, '"password"', '"passwordHash"', '$argon2']) {
          expect(entries.text).not.toContain(secret);
        }
        const created = entries.items.find((item) => item.action === 'user.create')!;
        expect(created).toMatchObject({ actorId, targetId: user.id, before: null });
        expect(asRecord(created.after)).toMatchObject({ username: user.username, orgId: org.id });
        const update = entries.items.find((item) => item.action === 'user.update')!;
        expect(update).toMatchObject({ actorId, targetId: user.id });
        expect(asRecord(update.before)).toMatchObject({ displayName: user.displayName });
        expect(asRecord(update.after)).toMatchObject({ displayName: 'Audited Name' });
      });
    });

    more?.(current);
  });
}
