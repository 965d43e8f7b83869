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

  it('uses each route path once', () => {
    const routes = Object.entries(contracts)
      .filter(([name]) => name.endsWith('Route'))
      .map(([, route]) => route as { method: string; path: string });
    expect(routes).toHaveLength(23);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
