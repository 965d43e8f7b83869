import { z } from 'zod';
import {
  crudRoutes,
  iamDescriptionSchema,
  iamIdSchema,
  iamNameSchema,
  iamTimestampsSchema,
  nonEmptyPatch,
  pageOf,
  pageQuerySchema,
} from './iam-common';
import { type RouteDefinition } from './common';

export const groupRoutes = crudRoutes('/iam/groups');
export const groupMemberRoutes = {
  list: { method: 'GET', path: '/iam/groups/:id/members' },
  add: { method: 'PUT', path: '/iam/groups/:id/members/:userId' },
  remove: { method: 'DELETE', path: '/iam/groups/:id/members/:userId' },
} as const satisfies Record<string, RouteDefinition>;

export const groupSchema = z
  .object({
    id: iamIdSchema,
    orgId: iamIdSchema,
    name: iamNameSchema,
    description: iamDescriptionSchema,
    memberCount: z.int().min(0),
  })
  .extend(iamTimestampsSchema.shape);
export type Group = z.infer<typeof groupSchema>;

export const createGroupSchema = z.strictObject({
  orgId: iamIdSchema.optional(),
  name: iamNameSchema,
  description: iamDescriptionSchema.default(''),
});
export type CreateGroup = z.infer<typeof createGroupSchema>;

export const updateGroupSchema = nonEmptyPatch({ name: iamNameSchema, description: iamDescriptionSchema });
export type UpdateGroup = z.infer<typeof updateGroupSchema>;

export const listGroupsQuerySchema = pageQuerySchema.extend({ userId: iamIdSchema.optional() });
export type ListGroupsQuery = z.infer<typeof listGroupsQuerySchema>;
export const groupPageSchema = pageOf(groupSchema);

export const groupMemberParamSchema = z.strictObject({ id: iamIdSchema, userId: iamIdSchema });
export type GroupMemberParam = z.infer<typeof groupMemberParamSchema>;

export const groupMembershipSchema = z.object({
  groupId: iamIdSchema,
  userId: iamIdSchema,
  addedAt: z.iso.datetime(),
});
export type GroupMembership = z.infer<typeof groupMembershipSchema>;
