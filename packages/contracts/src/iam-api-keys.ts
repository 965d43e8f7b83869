import { z } from 'zod';
import {
  crudEndpoints,
  iamIdSchema,
  iamNameSchema,
  iamTimestampsSchema,
  nonEmptyPatch,
  pageOf,
  pageQuerySchema,
  queryBooleanSchema,
} from './iam-common';

/**
 * mcp: the MCP proxy (/mcp/*); iam:read and iam:write: the IAM API as an org-admin of the key's organization,
 * reading only or also changing; metrics:read: the metrics engine's reports through the MCP proxy.
 */
export const apiKeyScopeSchema = z.enum(['mcp', 'iam:read', 'iam:write', 'metrics:read']);
export type ApiKeyScope = z.infer<typeof apiKeyScopeSchema>;

/** Presented as `X-API-Key: wsk_<prefix>_<secret>`; only a hash of the secret is stored. */
export const API_KEY_HEADER = 'x-api-key';
export const apiKeyTokenSchema = z
  .string()
  .regex(/^wsk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/, 'is not a WebStream API key');

export const apiKeySchema = z
  .object({
    id: iamIdSchema,
    orgId: iamIdSchema,
    name: iamNameSchema,
    /** The key's public part (wsk_<prefix>_...), to tell keys apart. */
    prefix: z.string(),
    scopes: z.array(apiKeyScopeSchema),
    expiresAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable(),
    createdById: iamIdSchema.nullable(),
  })
  .extend(iamTimestampsSchema.shape);
export type ApiKey = z.infer<typeof apiKeySchema>;

const scopesSchema = z
  .array(apiKeyScopeSchema)
  .min(1, 'must grant at least one scope')
  .refine((scopes) => new Set(scopes).size === scopes.length, 'must not repeat a scope');

export const createApiKeySchema = z.strictObject({
  orgId: iamIdSchema.optional(),
  name: iamNameSchema,
  scopes: scopesSchema,
  /** At most a year ahead; keys always expire so that a forgotten one stops working. */
  expiresInDays: z.int().min(1).max(366).default(90),
});
export type CreateApiKey = z.infer<typeof createApiKeySchema>;

/** The created key with its secret, shown this once. */
export const createdApiKeySchema = apiKeySchema.extend({ key: apiKeyTokenSchema });
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;

export const updateApiKeySchema = nonEmptyPatch({
  name: iamNameSchema,
  /** Revocation is final: a revoked key cannot be re-enabled. */
  revoked: z.literal(true),
});
export type UpdateApiKey = z.infer<typeof updateApiKeySchema>;

export const listApiKeysQuerySchema = pageQuerySchema.extend({ active: queryBooleanSchema.optional() });
export type ListApiKeysQuery = z.infer<typeof listApiKeysQuerySchema>;
export const apiKeyPageSchema = pageOf(apiKeySchema);

export const apiKeyRoutes = crudEndpoints({
  base: '/iam/api-keys',
  tag: 'api-keys',
  singular: 'ApiKey',
  plural: 'ApiKeys',
  listQuery: listApiKeysQuerySchema,
  create: createApiKeySchema,
  update: updateApiKeySchema,
  item: apiKeySchema,
  page: apiKeyPageSchema,
  created: createdApiKeySchema,
});
