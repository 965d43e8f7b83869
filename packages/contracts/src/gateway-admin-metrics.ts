import { type z } from 'zod';
import { defineEndpoint, type EndpointDefinition } from './endpoint';
import { auditSearchRoute } from './metrics-audit';
import { operationsNodesRoute, operationsSessionsRoute } from './metrics-operations';
import { concurrencyReportRoute, topReportRoute, usageReportRoute } from './metrics-reports';

/** Who may read an engine view through the gateway: any administrator (pinned to their organization), or only a platform admin. */
export type AdminEngineAudience = 'org' | 'platform';

export interface AdminEngineRoute extends EndpointDefinition {
  method: 'GET';
  /** The metrics engine's route it answers with: same query, same answer (JSON, or CSV with format=csv). */
  engine: EndpointDefinition;
  audience: AdminEngineAudience;
}

type QueryOf<E> = E extends { query: infer Query extends z.ZodObject } ? Query : undefined;
type ResponseOf<E> = E extends { response: infer Response extends z.ZodType } ? Response : undefined;

/** An engine view through the gateway: the engine's query and answer, for an access token. */
function adminEngineView<const Engine extends EndpointDefinition, const Audience extends AdminEngineAudience>(
  operationId: string,
  path: string,
  engine: Engine,
  audience: Audience,
) {
  return defineEndpoint({
    operationId,
    method: 'GET',
    path,
    summary: `${engine.summary} (${audience === 'org' ? "an org admin sees their organization's" : 'platform administrators'})`,
    tag: 'admin',
    security: ['bearer'],
    query: engine.query as QueryOf<Engine>,
    status: 200,
    response: engine.response as ResponseOf<Engine>,
    content: engine.content,
    errors: {
      502: 'The metrics engine could not be reached',
      503: 'The metrics engine keeps failing: retry after Retry-After',
    },
    retryAfterOn: [503],
    engine,
    audience,
  });
}

/**
 * The metrics engine's reports, audit log and live operations for the admin console, signed in with an access
 * token: an org admin's queries are pinned to their organization, the platform-wide views are for platform admins.
 */
export const adminEngineRoutes = {
  usage: adminEngineView('adminUsageReport', '/gateway/admin/reports/usage', usageReportRoute, 'org'),
  top: adminEngineView('adminTopReport', '/gateway/admin/reports/top', topReportRoute, 'org'),
  concurrency: adminEngineView(
    'adminConcurrencyReport',
    '/gateway/admin/reports/concurrency',
    concurrencyReportRoute,
    'org',
  ),
  audit: adminEngineView('adminSearchAudit', '/gateway/admin/audit', auditSearchRoute, 'org'),
  nodes: adminEngineView(
    'adminOperationsNodes',
    '/gateway/admin/operations/nodes',
    operationsNodesRoute,
    'platform',
  ),
  sessions: adminEngineView(
    'adminOperationsSessions',
    '/gateway/admin/operations/sessions',
    operationsSessionsRoute,
    'platform',
  ),
} satisfies Record<string, AdminEngineRoute>;
