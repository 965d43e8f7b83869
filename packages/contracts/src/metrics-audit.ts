import { z } from 'zod';
import { isoDateTimeSchema } from './common';
import { csvContent, reportFormatSchema } from './metrics-reports';
import { defineEndpoint } from './endpoint';

export const auditSearchQuerySchema = z.strictObject({
  from: isoDateTimeSchema.optional(),
  to: isoDateTimeSchema.optional(),
  orgId: z.string().min(1).max(128).optional(),
  actorId: z.string().min(1).max(128).optional(),
  action: z.string().min(1).max(128).optional(),
  targetType: z.string().min(1).max(64).optional(),
  targetId: z.string().min(1).max(128).optional(),
  /** Opaque: the nextCursor of the previous page. */
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  format: reportFormatSchema,
});
export type AuditSearchQuery = z.infer<typeof auditSearchQuerySchema>;

export const auditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actorId: z.string(),
  actorName: z.string().nullable(),
  orgId: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  /** The W3C traceparent of the request that made the change, when it was traced. */
  traceparent: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export const auditSearchResponseSchema = z.object({
  items: z.array(auditEntrySchema),
  nextCursor: z.string().nullable(),
});
export type AuditSearchResponse = z.infer<typeof auditSearchResponseSchema>;

/** Audit search; the log is append-only, so there is no write route beside ingestion. */
export const auditSearchRoute = defineEndpoint({
  operationId: 'searchAudit',
  method: 'GET',
  path: '/api/audit',
  summary: 'Search the audit log (who changed what, before and after)',
  tag: 'audit',
  security: ['engineToken'],
  query: auditSearchQuerySchema,
  status: 200,
  response: auditSearchResponseSchema,
  content: csvContent,
});
