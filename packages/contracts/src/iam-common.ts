import { z } from 'zod';
import { type RouteDefinition } from './common';

// IAM records are keyed by UUIDs; a malformed id is a 400 naming the parameter, not a 404.
export const iamIdSchema = z.uuid();
export const iamIdParamSchema = z.strictObject({ id: iamIdSchema });
export type IamIdParam = z.infer<typeof iamIdParamSchema>;

export const iamNameSchema = z.string().trim().min(1).max(128);
export const iamDescriptionSchema = z.string().max(2000);

/** A query-string boolean: only the words true and false, so a typo is a 400 rather than "false". */
export const queryBooleanSchema = z.enum(['true', 'false']).transform((value) => value === 'true');

export const MAX_PAGE_SIZE = 200;

export const pageQuerySchema = z.strictObject({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  /** Case-insensitive substring of the record's name (a user's username, display name or email). */
  q: z.string().trim().min(1).max(128).optional(),
  /** Platform admins only: one organization's records. Everyone else sees their own organization only. */
  orgId: iamIdSchema.optional(),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

export function pageOf<Item extends z.ZodType>(item: Item) {
  return z.object({
    items: z.array(item),
    page: z.int().min(1),
    pageSize: z.int().min(1),
    total: z.int().min(0),
  });
}
export interface Page<Item> {
  items: Item[];
  page: number;
  pageSize: number;
  total: number;
}

export interface CrudRoutes {
  readonly list: RouteDefinition;
  readonly create: RouteDefinition;
  readonly get: RouteDefinition;
  readonly update: RouteDefinition;
  readonly remove: RouteDefinition;
}

/** The five routes of one IAM collection; `:id` is the record's UUID. */
export function crudRoutes<const Base extends string>(base: Base) {
  return {
    list: { method: 'GET', path: base },
    create: { method: 'POST', path: base },
    get: { method: 'GET', path: `${base}/:id` },
    update: { method: 'PATCH', path: `${base}/:id` },
    remove: { method: 'DELETE', path: `${base}/:id` },
  } as const satisfies CrudRoutes;
}

export const iamTimestampsSchema = z.object({
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/** A PATCH body must change something: `{}` is refused rather than answered with an unchanged record. */
export function nonEmptyPatch<Shape extends z.ZodRawShape>(shape: Shape) {
  return z
    .strictObject(shape)
    .partial()
    .refine((body) => Object.values(body).some((value) => value !== undefined), {
      message: 'must set at least one field',
    });
}
