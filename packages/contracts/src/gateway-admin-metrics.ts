import { type RouteDefinition } from './common';
import { auditSearchRoute } from './metrics-audit';
import { operationsNodesRoute, operationsSessionsRoute } from './metrics-operations';
import { concurrencyReportRoute, topReportRoute, usageReportRoute } from './metrics-reports';

/** Who may read an engine view through the gateway: any administrator (pinned to their organization), or only a platform admin. */
export type AdminEngineAudience = 'org' | 'platform';

export interface AdminEngineRoute extends RouteDefinition {
  method: 'GET';
  /** The metrics engine's route it answers with: same query, same answer (JSON, or CSV with format=csv). */
  engine: RouteDefinition;
  audience: AdminEngineAudience;
}

/**
 * The metrics engine's reports, audit log and live operations for the admin console, signed in with an access
 * token: an org admin's queries are pinned to their organization, the platform-wide views are for platform admins.
 */
export const adminEngineRoutes = {
  usage: { method: 'GET', path: '/gateway/admin/reports/usage', engine: usageReportRoute, audience: 'org' },
  top: { method: 'GET', path: '/gateway/admin/reports/top', engine: topReportRoute, audience: 'org' },
  concurrency: {
    method: 'GET',
    path: '/gateway/admin/reports/concurrency',
    engine: concurrencyReportRoute,
    audience: 'org',
  },
  audit: { method: 'GET', path: '/gateway/admin/audit', engine: auditSearchRoute, audience: 'org' },
  nodes: {
    method: 'GET',
    path: '/gateway/admin/operations/nodes',
    engine: operationsNodesRoute,
    audience: 'platform',
  },
  sessions: {
    method: 'GET',
    path: '/gateway/admin/operations/sessions',
    engine: operationsSessionsRoute,
    audience: 'platform',
  },
} as const satisfies Record<string, AdminEngineRoute>;
