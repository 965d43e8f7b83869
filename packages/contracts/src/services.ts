import { type EndpointDefinition } from './endpoint';
import { adminEngineRoutes } from './gateway-admin-metrics';
import {
  adminBackendsRoute,
  adminCloseWebSocketRoute,
  adminDisconnectRoute,
  adminHealthRoute,
  adminLicenceRoute,
  adminSessionsRoute,
  adminWebSocketsRoute,
} from './gateway-admin';
import { getConnectionRoute, hostGetConnectionRoute } from './connection';
import { backendHealthRoute, gatewayHealthRoute, openApiRoutes, serviceProbeRoutes } from './health';
import { heartbeatRoute } from './heartbeat';
import { apiKeyRoutes } from './iam-api-keys';
import { applicationRoutes } from './iam-applications';
import { loginRoute, logoutRoute, refreshRoute, tokenSubjectsRoute } from './iam-auth';
import { entitlementRoutes, resolveEntitlementRoute } from './iam-entitlements';
import { groupMemberRoutes, groupRoutes } from './iam-groups';
import { iamOpenApiRoute, meRoute, myWorkspacesRoute } from './iam-me';
import { identityProviderRoutes } from './iam-identity-providers';
import { organizationRoutes } from './iam-organizations';
import {
  ssoExchangeRoute,
  ssoOidcCallbackRoute,
  ssoProvidersRoute,
  ssoSamlAcsRoute,
  ssoSamlLogoutRoute,
  ssoSamlMetadataRoute,
  ssoStartRoute,
} from './iam-sso';
import { policyRoutes } from './iam-policies';
import { userRoutes } from './iam-users';
import { workspaceRoutes } from './iam-workspaces';
import { streamerCheckinRoute, streamerCheckoutRoute } from './licence';
import { auditSearchRoute } from './metrics-audit';
import {
  operationsLicenceRoute,
  operationsNodesRoute,
  operationsSessionsRoute,
  retentionRunRoute,
} from './metrics-operations';
import {
  concurrencyReportRoute,
  metricsReportRoute,
  topReportRoute,
  usageReportRoute,
} from './metrics-reports';
import { registerRoute } from './register';
import { sessionEndedRoute, sessionReleaseRoute, sessionSelectRoute, sessionStatusRoute } from './session';
import { hostSessionEndRoute, streamerEndRoute } from './session-end';
import { streamerDrainRoute } from './streamer-launch';
import { telemetryIngestRoute } from './telemetry-ingest';
import { unregisterRoute } from './unregister';

/** The tags of the metrics engine's routes, in its own document and under /mcp in the gateway's. */
export const METRICS_ENGINE_TAGS = {
  ingest: 'Telemetry ingestion (services report here)',
  operations: 'Live operations views, probes, metrics and this document',
  reports: 'Usage, concurrency and metric reports',
  audit: 'The audit log',
} as const;

export type ServiceName = 'gateway' | 'session-host' | 'streamer-agent' | 'metrics-engine' | 'iam';

/** What every service serves beside its own routes (service-kit): probes, metrics and its OpenAPI document. */
const operationsEndpoints = [...Object.values(serviceProbeRoutes), ...Object.values(openApiRoutes)];

/** IAM's routes, served by IAM standalone and by a gateway with IAM built in. */
export const iamEndpoints: readonly EndpointDefinition[] = [
  loginRoute,
  refreshRoute,
  logoutRoute,
  ssoProvidersRoute,
  ssoStartRoute,
  ssoOidcCallbackRoute,
  ssoSamlAcsRoute,
  ssoSamlMetadataRoute,
  ssoSamlLogoutRoute,
  ssoExchangeRoute,
  tokenSubjectsRoute,
  meRoute,
  myWorkspacesRoute,
  resolveEntitlementRoute,
  ...(
    [
      organizationRoutes,
      userRoutes,
      groupRoutes,
      applicationRoutes,
      policyRoutes,
      workspaceRoutes,
      entitlementRoutes,
      apiKeyRoutes,
      identityProviderRoutes,
    ] as readonly Record<string, EndpointDefinition>[]
  ).flatMap((collection) => Object.values(collection)),
  ...Object.values(groupMemberRoutes),
  iamOpenApiRoute,
];

/** Every HTTP route of every service, by service: the documents, the stand-ins and the route checks read this. */
export const serviceEndpoints: Readonly<Record<ServiceName, readonly EndpointDefinition[]>> = {
  gateway: [
    sessionSelectRoute,
    sessionReleaseRoute,
    sessionStatusRoute,
    sessionEndedRoute,
    getConnectionRoute,
    registerRoute,
    heartbeatRoute,
    unregisterRoute,
    streamerCheckinRoute,
    streamerCheckoutRoute,
    adminBackendsRoute,
    adminSessionsRoute,
    adminDisconnectRoute,
    adminLicenceRoute,
    adminWebSocketsRoute,
    adminCloseWebSocketRoute,
    adminHealthRoute,
    ...Object.values(adminEngineRoutes),
    gatewayHealthRoute,
    ...operationsEndpoints,
  ],
  'session-host': [hostGetConnectionRoute, hostSessionEndRoute, backendHealthRoute, ...operationsEndpoints],
  'streamer-agent': [streamerDrainRoute, streamerEndRoute, ...operationsEndpoints],
  'metrics-engine': [
    telemetryIngestRoute,
    operationsNodesRoute,
    operationsSessionsRoute,
    operationsLicenceRoute,
    usageReportRoute,
    topReportRoute,
    concurrencyReportRoute,
    metricsReportRoute,
    auditSearchRoute,
    retentionRunRoute,
    ...operationsEndpoints,
  ],
  iam: [...iamEndpoints, ...operationsEndpoints],
};
