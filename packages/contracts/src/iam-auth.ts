import { z } from 'zod';
import { entityIdSchema, type RouteDefinition } from './common';

export const loginRoute = { method: 'POST', path: '/iam/auth/login' } as const satisfies RouteDefinition;
export const refreshRoute = { method: 'POST', path: '/iam/auth/refresh' } as const satisfies RouteDefinition;
export const logoutRoute = { method: 'POST', path: '/iam/auth/logout' } as const satisfies RouteDefinition;

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

export const logoutResponseSchema = z.object({ success: z.literal(true) });
export type LogoutResponse = z.infer<typeof logoutResponseSchema>;

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or undefined. */
export function parseBearerToken(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(authorization);
  return match?.[1];
}
