import { z } from 'zod';
import { entityIdSchema } from './common';
import { defineEndpoint } from './endpoint';

export const AUTHORIZATION_HEADER = 'authorization';

export const loginRequestSchema = z.strictObject({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(1024),
  /** Needed only when the username is not unique across organizations. */
  organization: z.string().min(1).max(128).optional(),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const userRoleSchema = z.enum(['platform-admin', 'org-admin', 'user']);
export type UserRole = z.infer<typeof userRoleSchema>;

export const authUserSchema = z.object({
  id: entityIdSchema,
  username: z.string().min(1).max(128),
  displayName: z.string().max(256),
  orgId: entityIdSchema,
  role: userRoleSchema,
});
export type AuthUser = z.infer<typeof authUserSchema>;

/** Returned by login and by refresh. */
export const tokenResponseSchema = z.object({
  accessToken: z.string().min(1),
  tokenType: z.literal('Bearer'),
  /** Seconds until accessToken expires. */
  expiresIn: z.int().min(1),
  refreshToken: z.string().min(1),
  user: authUserSchema,
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const refreshRequestSchema = z.strictObject({ refreshToken: z.string().min(1).max(4096) });
export type RefreshRequest = z.infer<typeof refreshRequestSchema>;

export const logoutRequestSchema = z.strictObject({ refreshToken: z.string().min(1).max(4096) });
export type LogoutRequest = z.infer<typeof logoutRequestSchema>;

export const logoutResponseSchema = z.object({
  success: z.literal(true),
  /** Where to send the browser to end the identity provider's session too, for a single sign-on session. */
  providerLogoutUrl: z.url({ protocol: z.regexes.httpProtocol }).optional(),
});
export type LogoutResponse = z.infer<typeof logoutResponseSchema>;

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or undefined. */
export function parseBearerToken(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(authorization);
  return match?.[1];
}

export const TOKEN_SUBJECTS_MAX = 500;

export const tokenSubjectsRequestSchema = z.strictObject({
  userIds: z.array(z.string().min(1).max(64)).min(1).max(TOKEN_SUBJECTS_MAX),
});
export type TokenSubjectsRequest = z.infer<typeof tokenSubjectsRequestSchema>;

export const tokenSubjectSchema = z.object({
  orgId: entityIdSchema,
  role: userRoleSchema,
  disabled: z.boolean(),
  /** Moves on logout, refresh-token reuse, a new password, disabling and a new role. */
  tokenGeneration: z.int().min(0),
});
export type TokenSubject = z.infer<typeof tokenSubjectSchema>;

export const tokenSubjectsResponseSchema = z.object({
  /** By user id; null for a user that does not exist. */
  subjects: z.record(z.string(), tokenSubjectSchema.nullable()),
});
export type TokenSubjectsResponse = z.infer<typeof tokenSubjectsResponseSchema>;

/**
 * Gateways that verify access tokens without IAM's database ask IAM, with the backend token, what it knows of
 * the tokens' users now: a token is honoured only while its user exists, is enabled, has the role and
 * organization the token claims and the token generation it was issued under.
 */
export const loginRoute = defineEndpoint({
  operationId: 'login',
  method: 'POST',
  path: '/iam/auth/login',
  summary: 'Sign in',
  tag: 'auth',
  security: [],
  body: loginRequestSchema,
  status: 200,
  response: tokenResponseSchema,
  errors: { 401: 'Wrong username or password', 429: 'Too many failed logins: wait Retry-After seconds' },
  retryAfterOn: [429],
});
export const refreshRoute = defineEndpoint({
  operationId: 'refreshTokens',
  method: 'POST',
  path: '/iam/auth/refresh',
  summary: 'Exchange a refresh token for new tokens',
  tag: 'auth',
  security: [],
  body: refreshRequestSchema,
  status: 200,
  response: tokenResponseSchema,
  errors: { 401: 'The refresh token is not valid (expired, used or revoked)' },
});
export const logoutRoute = defineEndpoint({
  operationId: 'logout',
  method: 'POST',
  path: '/iam/auth/logout',
  summary: "End the refresh token's sessions",
  tag: 'auth',
  security: [],
  body: logoutRequestSchema,
  status: 200,
  response: logoutResponseSchema,
});

export const tokenSubjectsRoute = defineEndpoint({
  operationId: 'resolveTokenSubjects',
  method: 'POST',
  path: '/iam/internal/token-subjects',
  summary: "What IAM knows now of access tokens' users (gateways only)",
  tag: 'auth',
  security: ['backendToken'],
  body: tokenSubjectsRequestSchema,
  status: 200,
  response: tokenSubjectsResponseSchema,
});
