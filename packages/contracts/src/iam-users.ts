import { z } from 'zod';
import { userRoleSchema } from './iam-auth';
import {
  crudEndpoints,
  iamIdSchema,
  iamTimestampsSchema,
  nonEmptyPatch,
  pageOf,
  pageQuerySchema,
  queryBooleanSchema,
} from './iam-common';

export const usernameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/,
    'must be 1-128 letters, digits, dots, underscores, hyphens or @, starting with a letter or digit',
  );

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * NIST SP 800-63B: length over composition rules. The IAM adds the checks that need context
 * (not the username, not a well-known password).
 */
export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters long`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters long`)
  .refine((value) => new Set(value).size >= 5, 'must use at least 5 different characters');

export const userSchema = z
  .object({
    id: iamIdSchema,
    orgId: iamIdSchema,
    username: usernameSchema,
    email: z.email().nullable(),
    displayName: z.string().max(256),
    role: userRoleSchema,
    disabled: z.boolean(),
    lastLoginAt: z.iso.datetime().nullable(),
  })
  .extend(iamTimestampsSchema.shape);
export type User = z.infer<typeof userSchema>;

export const createUserSchema = z.strictObject({
  /** Platform admins choose the organization; for everyone else it is their own. */
  orgId: iamIdSchema.optional(),
  username: usernameSchema,
  password: passwordSchema,
  email: z.email().max(320).optional(),
  displayName: z.string().trim().max(256).optional(),
  role: userRoleSchema.default('user'),
  disabled: z.boolean().default(false),
});
export type CreateUser = z.infer<typeof createUserSchema>;

export const updateUserSchema = nonEmptyPatch({
  password: passwordSchema,
  email: z.email().max(320).nullable(),
  displayName: z.string().trim().max(256),
  role: userRoleSchema,
  disabled: z.boolean(),
});
export type UpdateUser = z.infer<typeof updateUserSchema>;

export const listUsersQuerySchema = pageQuerySchema.extend({
  role: userRoleSchema.optional(),
  disabled: queryBooleanSchema.optional(),
  groupId: iamIdSchema.optional(),
});
export type ListUsersQuery = z.infer<typeof listUsersQuerySchema>;
export const userPageSchema = pageOf(userSchema);

export const userRoutes = crudEndpoints({
  base: '/iam/users',
  tag: 'users',
  singular: 'User',
  plural: 'Users',
  listQuery: listUsersQuerySchema,
  create: createUserSchema,
  update: updateUserSchema,
  item: userSchema,
  page: userPageSchema,
  created: userSchema,
});
