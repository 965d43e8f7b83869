import { z } from 'zod';
import { isoDateTimeSchema } from './common';
import { sampleMetricSchema } from './telemetry-ingest';
import { defineEndpoint } from './endpoint';

export const MAX_REPORT_RANGE_DAYS = 400;

/** Every report answers JSON, or CSV with format=csv. */
export const csvContent = { 'text/csv': z.string() } as const;
export const reportFormatSchema = z.enum(['json', 'csv']).default('json');

const rangeShape = {
  from: isoDateTimeSchema,
  to: isoDateTimeSchema,
  orgId: z.string().min(1).max(128).optional(),
  format: reportFormatSchema,
};

// Fine periods over long ranges make reports that nobody reads and queries that hold the database.
export const MAX_RANGE_DAYS_BY_STEP = { minute: 2, hour: 62 } as const;

function validRange(
  query: { from: string; to: string; period?: string; bucket?: string },
  ctx: z.RefinementCtx,
): void {
  const span = Date.parse(query.to) - Date.parse(query.from);
  const step = query.period ?? query.bucket;
  const fine = step === 'minute' || step === 'hour';
  const limit = fine ? MAX_RANGE_DAYS_BY_STEP[step] : MAX_REPORT_RANGE_DAYS;
  if (span <= 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  else if (span > limit * 86_400_000) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `must be within ${limit} days of from${fine ? ` for ${step} periods` : ''}`,
    });
  }
}

export const usageDimensionSchema = z.enum(['org', 'user', 'app', 'workspace']);
export type UsageDimension = z.infer<typeof usageDimensionSchema>;
export const usagePeriodSchema = z.enum(['hour', 'day', 'week', 'month']);
export type UsagePeriod = z.infer<typeof usagePeriodSchema>;

export const usageReportQuerySchema = z
  .strictObject({
    ...rangeShape,
    period: usagePeriodSchema.default('day'),
    groupBy: usageDimensionSchema.default('org'),
  })
  .superRefine(validRange);
export type UsageReportQuery = z.infer<typeof usageReportQuerySchema>;

/** Session minutes in each period, a session split across the periods it overlaps. */
export const usageReportRowSchema = z.object({
  periodStart: z.string(),
  key: z.string(),
  minutes: z.number(),
  sessions: z.number(),
});
export type UsageReportRow = z.infer<typeof usageReportRowSchema>;
export const usageReportResponseSchema = z.object({ rows: z.array(usageReportRowSchema) });

export const topReportQuerySchema = z
  .strictObject({
    ...rangeShape,
    dimension: z.enum(['user', 'app', 'workspace', 'org']),
    limit: z.coerce.number().int().min(1).max(100).default(10),
  })
  .superRefine(validRange);
export type TopReportQuery = z.infer<typeof topReportQuerySchema>;
export const topReportRowSchema = z.object({ key: z.string(), minutes: z.number(), sessions: z.number() });
export type TopReportRow = z.infer<typeof topReportRowSchema>;
export const topReportResponseSchema = z.object({ rows: z.array(topReportRowSchema) });

export const concurrencyReportQuerySchema = z
  .strictObject({ ...rangeShape, period: z.enum(['hour', 'day']).default('hour') })
  .superRefine(validRange);
export type ConcurrencyReportQuery = z.infer<typeof concurrencyReportQuerySchema>;
/** The most sessions open at the same moment in each period. */
export const concurrencyReportRowSchema = z.object({ periodStart: z.string(), peak: z.number() });
export type ConcurrencyReportRow = z.infer<typeof concurrencyReportRowSchema>;
export const concurrencyReportResponseSchema = z.object({ rows: z.array(concurrencyReportRowSchema) });

export const metricsReportQuerySchema = z
  .strictObject({
    from: isoDateTimeSchema,
    to: isoDateTimeSchema,
    format: reportFormatSchema,
    metric: sampleMetricSchema,
    node: z.string().max(2048).optional(),
    bucket: z.enum(['minute', 'hour', 'day']).default('hour'),
  })
  .superRefine(validRange);
export type MetricsReportQuery = z.infer<typeof metricsReportQuerySchema>;
/** A metric over time: raw samples while they are kept, hourly aggregates after. */
export const metricsReportRowSchema = z.object({
  bucketStart: z.string(),
  avg: z.number(),
  min: z.number(),
  max: z.number(),
  count: z.number(),
});
export type MetricsReportRow = z.infer<typeof metricsReportRowSchema>;
export const metricsReportResponseSchema = z.object({ rows: z.array(metricsReportRowSchema) });

export const usageReportRoute = defineEndpoint({
  operationId: 'getUsageReport',
  method: 'GET',
  path: '/api/reports/usage',
  summary: 'Session minutes per period, grouped by organization, user, application or workspace',
  tag: 'reports',
  security: ['engineToken'],
  query: usageReportQuerySchema,
  status: 200,
  response: usageReportResponseSchema,
  content: csvContent,
});

export const topReportRoute = defineEndpoint({
  operationId: 'getTopReport',
  method: 'GET',
  path: '/api/reports/top',
  summary: 'The users, applications, workspaces or organizations with the most session minutes',
  tag: 'reports',
  security: ['engineToken'],
  query: topReportQuerySchema,
  status: 200,
  response: topReportResponseSchema,
  content: csvContent,
});

export const concurrencyReportRoute = defineEndpoint({
  operationId: 'getConcurrencyReport',
  method: 'GET',
  path: '/api/reports/concurrency',
  summary: 'Peak concurrent sessions per period',
  tag: 'reports',
  security: ['engineToken'],
  query: concurrencyReportQuerySchema,
  status: 200,
  response: concurrencyReportResponseSchema,
  content: csvContent,
});

export const metricsReportRoute = defineEndpoint({
  operationId: 'getMetricsReport',
  method: 'GET',
  path: '/api/reports/metrics',
  summary: 'A node or streamer metric over time',
  tag: 'reports',
  security: ['engineToken'],
  query: metricsReportQuerySchema,
  status: 200,
  response: metricsReportResponseSchema,
  content: csvContent,
});
