import { z } from 'zod';
import {
  crudEndpoints,
  iamIdSchema,
  iamNameSchema,
  iamTimestampsSchema,
  nonEmptyPatch,
  pageOf,
  pageQuerySchema,
} from './iam-common';

export const organizationSlugSchema = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
    'must be 1-64 lower-case letters, digits and inner hyphens',
  );

export const organizationSchema = z
  .object({
    id: iamIdSchema,
    name: iamNameSchema,
    slug: organizationSlugSchema,
    /** Off: the organization's users sign in through its identity providers only (platform admins still may). */
    passwordLogin: z.boolean(),
  })
  .extend(iamTimestampsSchema.shape);
export type Organization = z.infer<typeof organizationSchema>;

export const createOrganizationSchema = z.strictObject({
  name: iamNameSchema,
  slug: organizationSlugSchema,
  passwordLogin: z.boolean().default(true),
});
export type CreateOrganization = z.infer<typeof createOrganizationSchema>;

export const updateOrganizationSchema = nonEmptyPatch({
  name: iamNameSchema,
  slug: organizationSlugSchema,
  passwordLogin: z.boolean(),
});
export type UpdateOrganization = z.infer<typeof updateOrganizationSchema>;

export const listOrganizationsQuerySchema = pageQuerySchema.omit({ orgId: true });
export type ListOrganizationsQuery = z.infer<typeof listOrganizationsQuerySchema>;
export const organizationPageSchema = pageOf(organizationSchema);

export const organizationRoutes = crudEndpoints({
  base: '/iam/organizations',
  tag: 'organizations',
  singular: 'Organization',
  plural: 'Organizations',
  listQuery: listOrganizationsQuerySchema,
  create: createOrganizationSchema,
  update: updateOrganizationSchema,
  item: organizationSchema,
  page: organizationPageSchema,
  created: organizationSchema,
});
