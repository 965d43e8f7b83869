import { describe, it, expect } from 'vitest';
import * as contracts from './index';

describe('package entry', () => {
  it('re-exports every contract family', () => {
    for (const name of [
      'errorEnvelopeSchema',
      'registerRequestSchema',
      'heartbeatRequestSchema',
      'unregisterRequestSchema',
      'streamerCheckinRequestSchema',
      'sessionSelectRequestSchema',
      'getConnectionResponseSchema',
      'streamerLaunchSchema',
      'workspacePolicySchema',
      'decodeWorkspaceHeaders',
      'encodeBinaryMessage',
      'closeCodes',
      'captureClientMessageSchema',
      'controlClientMessageSchema',
      'audioServerMessageSchema',
      'loginRequestSchema',
      'gatewayHealthRoute',
      'telemetryBatchSchema',
      'usageReportQuerySchema',
      'auditSearchQuerySchema',
      'operationsNodesResponseSchema',
    ]) {
      expect(contracts, name).toHaveProperty(name);
    }
  });

  it('uses each route path once, across single routes and the route tables of collections', () => {
    const isRoute = (value: unknown): value is { method: string; path: string } =>
      typeof value === 'object' && value !== null && 'method' in value && 'path' in value;
    const routes = Object.entries(contracts).flatMap(([name, value]) => {
      if (name.endsWith('Route') && isRoute(value)) return [value];
      if (name.endsWith('Routes') && typeof value === 'object' && value !== null) {
        return Object.values(value).filter(isRoute);
      }
      return [];
    });
    // 37 single routes, 8 IAM collections of 5 routes, the 3 group-member routes and the 6 admin engine views.
    expect(routes).toHaveLength(37 + 8 * 5 + 3 + 6);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
