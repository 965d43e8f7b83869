import { z } from 'zod';
import { entityIdSchema, httpUrlSchema, isoDateTimeSchema, traceparentSchema } from './common';
import { defineEndpoint } from './endpoint';

export const MAX_TELEMETRY_BATCH_EVENTS = 5_000;

// A retried batch carries the key it was first sent with, so the engine stores it once.
export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{8,128}$/, 'must be 8-128 characters of A-Z a-z 0-9 _ . : -');

export const sampleMetricSchema = z.enum([
  'node.cpu',
  'node.memory',
  'node.sessions',
  'streamer.fps',
  'streamer.bandwidth',
  'streamer.latency',
  'streamer.input',
  'licence.active',
  'licence.capacity',
]);
export type SampleMetric = z.infer<typeof sampleMetricSchema>;

/** A measurement: node figures from heartbeats (node = the backend's serverUrl), streamer figures per session. */
export const sampleEventSchema = z.strictObject({
  kind: z.literal('sample'),
  metric: sampleMetricSchema,
  value: z.number().finite(),
  at: isoDateTimeSchema,
  node: httpUrlSchema.optional(),
  sessionId: entityIdSchema.optional(),
  streamerGuid: z.uuid().optional(),
});
export type SampleEvent = z.infer<typeof sampleEventSchema>;

export const activityTypeSchema = z.enum(['login', 'logout', 'launch', 'end', 'policy-refusal']);
export type ActivityType = z.infer<typeof activityTypeSchema>;

export const activityEventSchema = z.strictObject({
  kind: z.literal('activity'),
  type: activityTypeSchema,
  at: isoDateTimeSchema,
  userId: entityIdSchema.optional(),
  username: z.string().max(256).optional(),
  orgId: entityIdSchema.optional(),
  sessionId: entityIdSchema.optional(),
  workspaceId: entityIdSchema.optional(),
  appId: entityIdSchema.optional(),
  detail: z.string().max(2_000).optional(),
  /** The trace of the request the activity happened in (a sign-in, a launch), to find its spans by. */
  traceparent: traceparentSchema.optional(),
});
export type ActivityEvent = z.infer<typeof activityEventSchema>;

const jsonValueSchema: z.ZodType<unknown> = z.json();

/** Who changed what, with the record before and after (null where it did not exist). */
export const auditEventSchema = z.strictObject({
  kind: z.literal('audit'),
  at: isoDateTimeSchema,
  actorId: entityIdSchema,
  actorName: z.string().max(256).optional(),
  orgId: entityIdSchema.optional(),
  action: z
    .string()
    .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, 'must look like resource.verb, e.g. user.create')
    .max(128),
  targetType: z.string().min(1).max(64),
  targetId: entityIdSchema,
  before: jsonValueSchema.nullable(),
  after: jsonValueSchema.nullable(),
  /** The trace of the request that made the change. */
  traceparent: traceparentSchema.optional(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** Session start and end, from which minutes per user, application, workspace and organization are metered. */
export const usageEventSchema = z.strictObject({
  kind: z.literal('usage'),
  type: z.enum(['session-start', 'session-end']),
  at: isoDateTimeSchema,
  sessionId: entityIdSchema,
  userId: entityIdSchema,
  orgId: entityIdSchema,
  appId: entityIdSchema,
  workspaceId: entityIdSchema,
  node: httpUrlSchema.optional(),
  /** The trace of the request that started or ended the session. */
  traceparent: traceparentSchema.optional(),
});
export type UsageEvent = z.infer<typeof usageEventSchema>;

export const telemetryEventSchema = z.discriminatedUnion('kind', [
  sampleEventSchema,
  activityEventSchema,
  auditEventSchema,
  usageEventSchema,
]);
export type TelemetryEvent = z.infer<typeof telemetryEventSchema>;
export type TelemetryEventKind = TelemetryEvent['kind'];

export const telemetryBatchSchema = z.strictObject({
  idempotencyKey: idempotencyKeySchema,
  /** The reporting service, e.g. "gateway" or "session-host". */
  source: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a service name such as session-host'),
  events: z.array(telemetryEventSchema).min(1).max(MAX_TELEMETRY_BATCH_EVENTS),
});
export type TelemetryBatch = z.infer<typeof telemetryBatchSchema>;

export const telemetryIngestResponseSchema = z.strictObject({
  /** False when the key was seen before: the batch was already stored and nothing was written again. */
  stored: z.boolean(),
  events: z.int().min(0),
});
export type TelemetryIngestResponse = z.infer<typeof telemetryIngestResponseSchema>;

/** The service credential header callers of /api/* present (a bearer token from metricsEngine.serviceToken). */
export const SERVICE_TOKEN_SCHEME = 'Bearer';

/** Every service reports through one batch endpoint of the metrics engine; the batch is the unit of retry. */
export const telemetryIngestRoute = defineEndpoint({
  operationId: 'ingestTelemetry',
  method: 'POST',
  path: '/api/ingest',
  summary: 'Ingest a batch of telemetry, activity, audit and usage events (idempotent by key)',
  tag: 'ingest',
  security: ['engineToken'],
  body: telemetryBatchSchema,
  status: 200,
  response: telemetryIngestResponseSchema,
  errors: { 413: 'The batch is too large' },
});
