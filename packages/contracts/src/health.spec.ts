import { describe, it, expect } from 'vitest';
import { GATEWAY_HEALTH_BODY, backendHealthRoute, gatewayHealthRoute, serviceHealthPaths } from './health';

describe('health', () => {
  it('has the gateway probe, the backend probe and the service paths', () => {
    expect(gatewayHealthRoute).toMatchObject({ method: 'GET', path: '/gateway/health' });
    expect(GATEWAY_HEALTH_BODY).toBe('OK');
    expect(backendHealthRoute).toMatchObject({ method: 'GET', path: '/health' });
    expect(serviceHealthPaths).toEqual({
      live: '/health/live',
      ready: '/health/ready',
      startup: '/health/startup',
      metrics: '/metrics',
    });
  });
});
