import {
  auditSearchQuerySchema,
  auditSearchResponseSchema,
  auditSearchRoute,
  concurrencyReportQuerySchema,
  concurrencyReportResponseSchema,
  concurrencyReportRoute,
  metricsReportQuerySchema,
  metricsReportResponseSchema,
  metricsReportRoute,
  operationsLicenceResponseSchema,
  operationsLicenceRoute,
  operationsNodesResponseSchema,
  operationsNodesRoute,
  operationsSessionsResponseSchema,
  operationsSessionsRoute,
  telemetryBatchSchema,
  telemetryIngestResponseSchema,
  telemetryIngestRoute,
  topReportQuerySchema,
  topReportResponseSchema,
  topReportRoute,
  usageReportQuerySchema,
  usageReportResponseSchema,
  usageReportRoute,
} from '@webstream/contracts';
import { type z } from 'zod';
import { type oas31 } from 'zod-openapi';
import { type ApiOperation } from './api-operation';

/** The metrics engine's /api/* routes are reached through the gateway's MCP proxy, under this prefix. */
export const METRICS_ENGINE_PATH_PREFIX = '/mcp';

export const MCP_SECURITY_SCHEMES: Record<string, oas31.SecuritySchemeObject> = {
  mcpKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-MCP-Key',
    description:
      'A key from mcpApiKeys, or (built-in IAM) an IAM API key with the mcp scope. With an IAM API key, /mcp/api ' +
      'answers only the usage, top and concurrency reports and the audit log (scope metrics:read), for its own ' +
      'organization, and /mcp/iam/* acts in IAM as that key. The gateway adds the metrics engine credential itself.',
  },
};

const security = ['mcpKey'];
const upstreamErrors = {
  502: 'The metrics engine could not be reached',
  503: 'The metrics engine keeps failing, or the gateway has no credential for it: retry after Retry-After',
};

/** A report answers JSON, or CSV with format=csv. */
function report(schema: z.ZodType) {
  return {
    'application/json': { schema },
    'text/csv': { schema: { type: 'string' as const } },
  };
}

/** The metrics engine's routes (packages/contracts: telemetry-ingest, metrics-operations, -reports, -audit). */
export const metricsEngineOperations: ApiOperation[] = [
  {
    route: telemetryIngestRoute,
    summary: 'Ingest a batch of telemetry, activity, audit and usage events (idempotent by key)',
    tag: 'ingest',
    security,
    body: telemetryBatchSchema,
    status: 200,
    response: telemetryIngestResponseSchema,
    errors: { 413: 'The batch is too large', ...upstreamErrors },
    retryAfterOn: [503],
  },
  {
    route: operationsNodesRoute,
    summary: 'Session hosts that reported recently, with their latest figures',
    tag: 'operations',
    security,
    status: 200,
    response: operationsNodesResponseSchema,
    errors: upstreamErrors,
    retryAfterOn: [503],
  },
  {
    route: operationsSessionsRoute,
    summary: 'Running sessions with their latest streaming figures',
    tag: 'operations',
    security,
    status: 200,
    response: operationsSessionsResponseSchema,
    errors: upstreamErrors,
    retryAfterOn: [503],
  },
  {
    route: operationsLicenceRoute,
    summary: 'Licence use as last reported',
    tag: 'operations',
    security,
    status: 200,
    response: operationsLicenceResponseSchema,
    errors: upstreamErrors,
    retryAfterOn: [503],
  },
  {
    route: usageReportRoute,
    summary: 'Session minutes per period, grouped by organization, user, application or workspace',
    tag: 'reports',
    security,
    query: usageReportQuerySchema,
    status: 200,
    content: report(usageReportResponseSchema),
    errors: upstreamErrors,
    retryAfterOn: [503],
  },
  {
    route: topReportRoute,
    summary: 'The users, applications, workspaces or organizations with the most session minutes',
    tag: 'reports',
    security,
    query: topReportQuerySchema,
    status: 200,
    content: report(topReportResponseSchema),
    errors: upstreamErrors,
    retryAfterOn: [503],
  },
  {
    route: concurrencyReportRoute,
    summary: 'Peak concurrent sessions per period',
    tag: 'reports',
    security,
    query: concurrencyReportQuerySchema,
    status: 200,
    content: report(concurrencyReportResponseSchema),
    errors: upstreamErrors,
    retryAfterOn: [503],
  },
  {
    route: metricsReportRoute,
    summary: 'A node or streamer metric over time',
    tag: 'reports',
    security,
    query: metricsReportQuerySchema,
    status: 200,
    content: report(metricsReportResponseSchema),
    errors: upstreamErrors,
    retryAfterOn: [503],
  },
  {
    route: auditSearchRoute,
    summary: 'Search the audit log (who changed what, before and after)',
    tag: 'audit',
    security,
    query: auditSearchQuerySchema,
    status: 200,
    content: report(auditSearchResponseSchema),
    errors: upstreamErrors,
    retryAfterOn: [503],
  },
];

export const METRICS_ENGINE_TAGS: Record<string, string> = {
  ingest: 'Telemetry ingestion (services report here)',
  operations: 'Live operations views',
  reports: 'Usage, concurrency and metric reports',
  audit: 'The audit log',
};
