import { z } from 'zod';
import { appArgsSchema, appExeSchema, httpUrlSchema } from './common';
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

export const MAX_ICON_LENGTH = 64 * 1024;

/** An http(s) URL, or a small inline image (data:image/png;base64,...) so that no icon host is needed. */
export const applicationIconSchema = z.union(
  [
    httpUrlSchema,
    z
      .string()
      .max(MAX_ICON_LENGTH, `must be at most ${MAX_ICON_LENGTH} characters`)
      .regex(
        /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+=*$/,
        'must be a base64 image data URI',
      ),
  ],
  { error: 'must be an http(s) URL or a data:image/...;base64 URI' },
);

export const applicationSchema = z
  .object({
    id: iamIdSchema,
    orgId: iamIdSchema,
    name: iamNameSchema,
    exe: appExeSchema,
    args: appArgsSchema,
    description: iamDescriptionSchema,
    icon: z.string().nullable(),
  })
  .extend(iamTimestampsSchema.shape);
export type Application = z.infer<typeof applicationSchema>;

export const createApplicationSchema = z.strictObject({
  orgId: iamIdSchema.optional(),
  name: iamNameSchema,
  exe: appExeSchema,
  args: appArgsSchema.default(''),
  description: iamDescriptionSchema.default(''),
  icon: applicationIconSchema.optional(),
});
export type CreateApplication = z.infer<typeof createApplicationSchema>;

export const updateApplicationSchema = nonEmptyPatch({
  name: iamNameSchema,
  exe: appExeSchema,
  args: appArgsSchema,
  description: iamDescriptionSchema,
  icon: applicationIconSchema.nullable(),
});
export type UpdateApplication = z.infer<typeof updateApplicationSchema>;

export const listApplicationsQuerySchema = pageQuerySchema;
export type ListApplicationsQuery = z.infer<typeof listApplicationsQuerySchema>;
export const applicationPageSchema = pageOf(applicationSchema);

export const applicationRoutes = crudEndpoints({
  base: '/iam/applications',
  tag: 'applications',
  singular: 'Application',
  plural: 'Applications',
  listQuery: listApplicationsQuerySchema,
  create: createApplicationSchema,
  update: updateApplicationSchema,
  item: applicationSchema,
  page: applicationPageSchema,
  created: applicationSchema,
});
