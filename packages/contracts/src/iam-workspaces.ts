import { z } from 'zod';
import { workspaceTypeSchema } from './common';
import {
  crudEndpoints,
  iamDescriptionSchema,
  iamIdSchema,
  iamNameSchema,
  iamTimestampsSchema,
  nonEmptyPatch,
  pageOf,
  pageQuerySchema,
} from './iam-common';

// The same shape as a backend's registration tags, so that required tags can be matched against them.
export const hostTagSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:=/-]{0,63}$/, 'must be 1-64 letters, digits or . _ : = / -');

const applicationIdsSchema = z
  .array(iamIdSchema)
  .min(1, 'must offer at least one application')
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, 'must not list an application twice');

export const workspaceSchema = z
  .object({
    id: iamIdSchema,
    orgId: iamIdSchema,
    name: iamNameSchema,
    type: workspaceTypeSchema,
    description: iamDescriptionSchema,
    applicationIds: z.array(iamIdSchema),
    /** null: the platform's default policy. */
    policyId: iamIdSchema.nullable(),
    /** null: no limit beyond the backends' capacity. */
    maxSessions: z.int().min(1).nullable(),
    requiredTags: z.array(hostTagSchema),
  })
  .extend(iamTimestampsSchema.shape);
export type Workspace = z.infer<typeof workspaceSchema>;

export const createWorkspaceSchema = z.strictObject({
  orgId: iamIdSchema.optional(),
  name: iamNameSchema,
  type: workspaceTypeSchema.default('app'),
  description: iamDescriptionSchema.default(''),
  applicationIds: applicationIdsSchema,
  policyId: iamIdSchema.nullable().default(null),
  maxSessions: z.int().min(1).max(100_000).nullable().default(null),
  requiredTags: z.array(hostTagSchema).max(32).default([]),
});
export type CreateWorkspace = z.infer<typeof createWorkspaceSchema>;

export const updateWorkspaceSchema = nonEmptyPatch({
  name: iamNameSchema,
  type: workspaceTypeSchema,
  description: iamDescriptionSchema,
  applicationIds: applicationIdsSchema,
  policyId: iamIdSchema.nullable(),
  maxSessions: z.int().min(1).max(100_000).nullable(),
  requiredTags: z.array(hostTagSchema).max(32),
});
export type UpdateWorkspace = z.infer<typeof updateWorkspaceSchema>;

export const listWorkspacesQuerySchema = pageQuerySchema.extend({
  type: workspaceTypeSchema.optional(),
  applicationId: iamIdSchema.optional(),
  policyId: iamIdSchema.optional(),
});
export type ListWorkspacesQuery = z.infer<typeof listWorkspacesQuerySchema>;
export const workspacePageSchema = pageOf(workspaceSchema);

export const workspaceRoutes = crudEndpoints({
  base: '/iam/workspaces',
  tag: 'workspaces',
  singular: 'Workspace',
  plural: 'Workspaces',
  listQuery: listWorkspacesQuerySchema,
  create: createWorkspaceSchema,
  update: updateWorkspaceSchema,
  item: workspaceSchema,
  page: workspacePageSchema,
  created: workspaceSchema,
});
