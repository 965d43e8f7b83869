import { describe, it, expect } from 'vitest';
import {
  loginRequestSchema,
  loginRoute,
  logoutRequestSchema,
  logoutResponseSchema,
  logoutRoute,
  parseBearerToken,
  refreshRequestSchema,
  refreshRoute,
  tokenResponseSchema,
} from './iam-auth';
import { issuePaths } from './issue-paths.spec-helper';

const tokens = {
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c3JfNDIifQ.sig',
  tokenType: 'Bearer',
  expiresIn: 900,
  refreshToken: 'rt_0123456789abcdef',
  user: { id: 'usr_42', username: 'zoe', displayName: 'Zoë Müller', orgId: 'org_acme', role: 'user' },
};

describe('IAM auth', () => {
  it('has the routes', () => {
    expect(loginRoute).toMatchObject({ method: 'POST', path: '/iam/auth/login' });
    expect(refreshRoute).toMatchObject({ method: 'POST', path: '/iam/auth/refresh' });
    expect(logoutRoute).toMatchObject({ method: 'POST', path: '/iam/auth/logout' });
  });

  it('accepts a login with and without organization', () => {
    expect(loginRequestSchema.parse({ username: 'zoe', password: 'pw' })).toEqual({
      username: 'zoe',
      password: 'pw',
    });
    expect(
      loginRequestSchema.safeParse({ username: 'zoe', password: 'pw', organization: 'acme' }).success,
    ).toBe(true);
  });

  it.each([
    ['username', ''],
    ['username', 'u'.repeat(129)],
    ['password', ''],
    ['password', 'p'.repeat(1025)],
    ['organization', ''],
  ])('rejects a bad %s', (field, value) => {
    expect(issuePaths(loginRequestSchema, { username: 'zoe', password: 'pw', [field]: value })).toEqual([
      [field],
    ]);
  });

  it('parses the token response and rejects a wrong role or token type', () => {
    expect(tokenResponseSchema.parse(tokens)).toEqual(tokens);
    expect(issuePaths(tokenResponseSchema, { ...tokens, tokenType: 'MAC' })).toEqual([['tokenType']]);
    expect(issuePaths(tokenResponseSchema, { ...tokens, user: { ...tokens.user, role: 'root' } })).toEqual([
      ['user', 'role'],
    ]);
    expect(issuePaths(tokenResponseSchema, { ...tokens, expiresIn: 0 })).toEqual([['expiresIn']]);
  });

  it('accepts refresh and logout bodies and the logout response', () => {
    expect(refreshRequestSchema.parse({ refreshToken: 'rt_1' })).toEqual({ refreshToken: 'rt_1' });
    expect(issuePaths(logoutRequestSchema, { refreshToken: '' })).toEqual([['refreshToken']]);
    expect(logoutResponseSchema.parse({ success: true })).toEqual({ success: true });
    expect(issuePaths(logoutResponseSchema, { success: false })).toEqual([['success']]);
  });

  it('extracts a bearer token', () => {
    expect(parseBearerToken(`Bearer ${tokens.accessToken}`)).toBe(tokens.accessToken);
    expect(parseBearerToken('bearer abc.def')).toBe('abc.def');
    expect(parseBearerToken('Basic dXNlcjpwdw==')).toBeUndefined();
    expect(parseBearerToken('Bearer ')).toBeUndefined();
    expect(parseBearerToken(undefined)).toBeUndefined();
    expect(parseBearerToken(['Bearer a', 'Bearer b'])).toBeUndefined();
  });
});
