import { webstreamConfigSchema } from '@webstream/config';
import { GATEWAY_HEALTH_BODY } from '@webstream/contracts';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayModule } from '../src/gateway.module';

describe('the gateway app', () => {
  let database: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    database = await createTestDatabase('ws_gateway');
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      accessManagement: { mode: 'builtin', databaseUrl: database.url },
    });
    service = await startTestService(GatewayModule.forRoot(config));
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('mounts the built-in IAM on its migrated database and is ready', async () => {
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ info: { 'iam-database': { status: 'up' } } });
  });

  it('answers the seed plain-text liveness probe for load balancers', async () => {
    const response = await fetch(`${service.url}/gateway/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(GATEWAY_HEALTH_BODY);
  });

  it('refuses to start built-in IAM without a database, naming the key', () => {
    const config = webstreamConfigSchema.parse({ accessManagement: { mode: 'builtin' } });
    expect(() => GatewayModule.forRoot(config)).toThrow(/accessManagement\.databaseUrl is not set/);
  });

  it('does not mount IAM when access management runs elsewhere', () => {
    const config = webstreamConfigSchema.parse({
      accessManagement: { mode: 'external', url: 'http://iam.internal:8090' },
    });
    expect(GatewayModule.forRoot(config).imports).toHaveLength(1);
  });
});
