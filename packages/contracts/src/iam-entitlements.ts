import { z } from 'zod';
import {
  crudEndpoints,
  iamSecurity,
  iamIdSchema,
  iamTimestampsSchema,
  nonEmptyPatch,
  pageOf,
  pageQuerySchema,
} from './iam-common';
import { workspaceContractSchema } from './workspace-headers';
import { defineEndpoint } from './endpoint';

/** A user, or every member of a group, may launch a workspace. */
export const entitlementSchema = z
  .object({
    id: iamIdSchema,
    orgId: iamIdSchema,
    workspaceId: iamIdSchema,
    userId: iamIdSchema.nullable(),
    groupId: iamIdSchema.nullable(),
  })
  .extend(iamTimestampsSchema.shape);
export type Entitlement = z.infer<typeof entitlementSchema>;

const oneSubject = (body: { userId?: string | null; groupId?: string | null }) =>
  (body.userId ?? null) === null ? (body.groupId ?? null) !== null : (body.groupId ?? null) === null;
const ONE_SUBJECT = { message: 'must name exactly one of userId and groupId', path: ['userId'] };

export const createEntitlementSchema = z
  .strictObject({
    workspaceId: iamIdSchema,
    userId: iamIdSchema.optional(),
    groupId: iamIdSchema.optional(),
  })
  .refine(oneSubject, ONE_SUBJECT);
export type CreateEntitlement = z.infer<typeof createEntitlementSchema>;

/** The subject is replaced whole: set one of userId and groupId and the other to null. */
export const updateEntitlementSchema = nonEmptyPatch({
  workspaceId: iamIdSchema,
  userId: iamIdSchema.nullable(),
  groupId: iamIdSchema.nullable(),
}).refine(
  (body) => (body.userId === undefined && body.groupId === undefined) || oneSubject(body),
  ONE_SUBJECT,
);
export type UpdateEntitlement = z.infer<typeof updateEntitlementSchema>;

export const listEntitlementsQuerySchema = pageQuerySchema.omit({ q: true }).extend({
  workspaceId: iamIdSchema.optional(),
  userId: iamIdSchema.optional(),
  groupId: iamIdSchema.optional(),
});
export type ListEntitlementsQuery = z.infer<typeof listEntitlementsQuerySchema>;
export const entitlementPageSchema = pageOf(entitlementSchema);

export const resolveEntitlementQuerySchema = z.strictObject({
  /** Defaults to the caller; another user's id needs an admin of that user's organization. */
  userId: iamIdSchema.optional(),
  workspaceId: z.string().min(1).max(128),
  appId: z.string().min(1).max(128),
});
export type ResolveEntitlementQuery = z.infer<typeof resolveEntitlementQuerySchema>;

export const entitlementRefusalReasonSchema = z.enum([
  'user-unknown',
  'user-disabled',
  'workspace-unknown',
  'not-entitled',
  'app-not-in-workspace',
]);
export type EntitlementRefusalReason = z.infer<typeof entitlementRefusalReasonSchema>;

/** A refusal is an answer, not an error: the gateway turns it into its own 403. */
export const entitlementResolutionSchema = z.discriminatedUnion('entitled', [
  z.object({
    entitled: z.literal(true),
    contract: workspaceContractSchema,
    /** What the gateway enforces when it places the session: the workspace's concurrency cap and host tags. */
    placement: z.object({
      maxSessions: z.int().min(1).nullable(),
      requiredTags: z.array(z.string()),
    }),
  }),
  z.object({
    entitled: z.literal(false),
    reason: entitlementRefusalReasonSchema,
    message: z.string(),
  }),
]);
export type EntitlementResolution = z.infer<typeof entitlementResolutionSchema>;

export const entitlementRoutes = crudEndpoints({
  base: '/iam/entitlements',
  tag: 'entitlements',
  singular: 'Entitlement',
  plural: 'Entitlements',
  listQuery: listEntitlementsQuerySchema,
  create: createEntitlementSchema,
  update: updateEntitlementSchema,
  item: entitlementSchema,
  page: entitlementPageSchema,
  created: entitlementSchema,
});

/** What the gateway asks before it launches anything: may this user run this application of this workspace? */
export const resolveEntitlementRoute = defineEndpoint({
  operationId: 'resolveEntitlement',
  method: 'GET',
  path: '/iam/entitlements/resolve',
  summary: 'May a user launch this application of this workspace?',
  tag: 'entitlements',
  security: iamSecurity,
  query: resolveEntitlementQuerySchema,
  status: 200,
  response: entitlementResolutionSchema,
});
