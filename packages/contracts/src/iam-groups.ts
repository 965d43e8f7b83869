import { z } from 'zod';
import {
  crudEndpoints,
  iamIdParamSchema,
  iamSecurity,
  iamDescriptionSchema,
  iamIdSchema,
  iamNameSchema,
  iamTimestampsSchema,
  nonEmptyPatch,
  pageOf,
  pageQuerySchema,
} from './iam-common';
import { defineEndpoint } from './endpoint';
import { userPageSchema } from './iam-users';

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

export const groupRoutes = crudEndpoints({
  base: '/iam/groups',
  tag: 'groups',
  singular: 'Group',
  plural: 'Groups',
  listQuery: listGroupsQuerySchema,
  create: createGroupSchema,
  update: updateGroupSchema,
  item: groupSchema,
  page: groupPageSchema,
  created: groupSchema,
});

export const groupMemberRoutes = {
  list: defineEndpoint({
    operationId: 'listGroupMembers',
    method: 'GET',
    path: '/iam/groups/:id/members',
    summary: "A group's members",
    tag: 'groups',
    security: iamSecurity,
    params: iamIdParamSchema,
    query: pageQuerySchema.pick({ page: true, pageSize: true }),
    status: 200,
    response: userPageSchema,
    errors: { 404: 'No such group in your organization' },
  }),
  add: defineEndpoint({
    operationId: 'addGroupMember',
    method: 'PUT',
    path: '/iam/groups/:id/members/:userId',
    summary: 'Add a member (idempotent)',
    tag: 'groups',
    security: iamSecurity,
    params: groupMemberParamSchema,
    status: 200,
    response: groupMembershipSchema,
    errors: { 404: 'No such group or user in your organization' },
  }),
  remove: defineEndpoint({
    operationId: 'removeGroupMember',
    method: 'DELETE',
    path: '/iam/groups/:id/members/:userId',
    summary: 'Remove a member',
    tag: 'groups',
    security: iamSecurity,
    params: groupMemberParamSchema,
    status: 204,
    errors: { 404: 'No such group or user in your organization' },
  }),
};
