import { z } from 'zod';
import { defineEndpoint } from './endpoint';

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

/** One IAM collection's contract: its path, its tag and the schemas of its queries, bodies and answers. */
export interface IamCollection<
  ListQuery extends z.ZodObject,
  Create extends z.ZodType,
  Update extends z.ZodType,
  Item extends z.ZodType,
  Page extends z.ZodType,
  Created extends z.ZodType,
> {
  base: string;
  tag: string;
  /** The operationIds' nouns: listUsers, createUser, … */
  singular: string;
  plural: string;
  listQuery: ListQuery;
  create: Create;
  update: Update;
  item: Item;
  page: Page;
  /** The answer to create, where it differs from item (an API key's secret is shown once). */
  created: Created;
}

/** IAM's routes take an access token or an IAM API key. */
export const iamSecurity = ['bearer', 'apiKey'] as const;

const notFound = 'No such record in your organization';
const conflict = 'Conflicts with an existing record';

/** The five endpoints of one IAM collection; `:id` is the record's UUID. */
export function crudEndpoints<
  ListQuery extends z.ZodObject,
  Create extends z.ZodType,
  Update extends z.ZodType,
  Item extends z.ZodType,
  Page extends z.ZodType,
  Created extends z.ZodType,
>(collection: IamCollection<ListQuery, Create, Update, Item, Page, Created>) {
  const { base, tag, singular, plural } = collection;
  const common = { tag, security: iamSecurity } as const;
  return {
    list: defineEndpoint({
      ...common,
      operationId: `list${plural}`,
      method: 'GET',
      path: base,
      summary: `List ${tag}`,
      query: collection.listQuery,
      status: 200,
      response: collection.page,
    }),
    create: defineEndpoint({
      ...common,
      operationId: `create${singular}`,
      method: 'POST',
      path: base,
      summary: `Create one of the ${tag}`,
      body: collection.create,
      status: 201,
      response: collection.created,
      errors: { 409: conflict },
    }),
    get: defineEndpoint({
      ...common,
      operationId: `get${singular}`,
      method: 'GET',
      path: `${base}/:id`,
      summary: `Read one of the ${tag}`,
      params: iamIdParamSchema,
      status: 200,
      response: collection.item,
      errors: { 404: notFound },
    }),
    update: defineEndpoint({
      ...common,
      operationId: `update${singular}`,
      method: 'PATCH',
      path: `${base}/:id`,
      summary: `Change one of the ${tag}`,
      params: iamIdParamSchema,
      body: collection.update,
      status: 200,
      response: collection.item,
      errors: { 404: notFound, 409: conflict },
    }),
    remove: defineEndpoint({
      ...common,
      operationId: `delete${singular}`,
      method: 'DELETE',
      path: `${base}/:id`,
      summary: `Delete one of the ${tag}`,
      params: iamIdParamSchema,
      status: 204,
      errors: { 404: notFound },
    }),
  };
}
export type CrudEndpoints = ReturnType<typeof crudEndpoints>;

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
