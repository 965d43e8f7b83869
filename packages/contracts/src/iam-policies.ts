import { z } from 'zod';
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
import { defaultPolicy, workspacePolicySchema } from './policy';

/** The rules a workspace's sessions run under; they travel to the streamer as X-Policy-JSON. */
export const policyRulesSchema = workspacePolicySchema.superRefine((rules, ctx) => {
  if (rules.maxSessionSeconds > 0 && rules.sessionWarningSeconds >= rules.maxSessionSeconds) {
    ctx.addIssue({
      code: 'custom',
      path: ['sessionWarningSeconds'],
      message: 'must be shorter than maxSessionSeconds, or the warning would come before the session starts',
    });
  }
});

export const policySchema = z
  .object({
    id: iamIdSchema,
    orgId: iamIdSchema,
    name: iamNameSchema,
    description: iamDescriptionSchema,
    rules: workspacePolicySchema,
  })
  .extend(iamTimestampsSchema.shape);
export type Policy = z.infer<typeof policySchema>;

export const createPolicySchema = z.strictObject({
  orgId: iamIdSchema.optional(),
  name: iamNameSchema,
  description: iamDescriptionSchema.default(''),
  rules: policyRulesSchema.default(defaultPolicy),
});
export type CreatePolicy = z.infer<typeof createPolicySchema>;

export const updatePolicySchema = nonEmptyPatch({
  name: iamNameSchema,
  description: iamDescriptionSchema,
  rules: policyRulesSchema,
});
export type UpdatePolicy = z.infer<typeof updatePolicySchema>;

export const listPoliciesQuerySchema = pageQuerySchema;
export type ListPoliciesQuery = z.infer<typeof listPoliciesQuerySchema>;
export const policyPageSchema = pageOf(policySchema);

export const policyRoutes = crudEndpoints({
  base: '/iam/policies',
  tag: 'policies',
  singular: 'Policy',
  plural: 'Policies',
  listQuery: listPoliciesQuerySchema,
  create: createPolicySchema,
  update: updatePolicySchema,
  item: policySchema,
  page: policyPageSchema,
  created: policySchema,
});
