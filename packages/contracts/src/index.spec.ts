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

  it('gives every endpoint to a service, once per method and path, with an operationId unique in the service', () => {
    const isEndpoint = (value: unknown): value is contracts.EndpointDefinition =>
      typeof value === 'object' && value !== null && 'operationId' in value && 'path' in value;
    const exported = Object.entries(contracts).flatMap(([name, value]) => {
      if (name.endsWith('Route') && isEndpoint(value)) return [value];
      if (name.endsWith('Routes') && typeof value === 'object' && value !== null) {
        return Object.values(value).filter(isEndpoint);
      }
      return [];
    });
    const served = new Set(Object.values(contracts.serviceEndpoints).flat());
    expect(exported.filter((endpoint) => !served.has(endpoint)).map((e) => e.operationId)).toEqual([]);
    for (const [service, endpoints] of Object.entries(contracts.serviceEndpoints)) {
      const routes = endpoints.map((e) => `${e.method} ${e.path}`);
      expect(
        routes.filter((route, i) => routes.indexOf(route) !== i),
        service,
      ).toEqual([]);
      const ids = endpoints.map((e) => e.operationId);
      expect(
        ids.filter((id, i) => ids.indexOf(id) !== i),
        service,
      ).toEqual([]);
      for (const endpoint of endpoints) {
        // Path parameters and the params schema name the same fields.
        const names = [...endpoint.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]).sort();
        expect(Object.keys(endpoint.params?.shape ?? {}).sort(), endpoint.operationId).toEqual(names);
      }
    }
  });
});
