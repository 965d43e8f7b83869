import { webstreamConfigSchema } from '@webstream/config';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IamHostModule } from '../src/iam-host.module';

describe('the standalone IAM app', () => {
  let database: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    database = await createTestDatabase('ws_iam_host');
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      accessManagement: { mode: 'standalone', url: 'http://127.0.0.1:8090', databaseUrl: database.url },
    });
    service = await startTestService(IamHostModule.forRoot(config));
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('runs IAM on its migrated database and is ready', async () => {
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ info: { 'iam-database': { status: 'up' } } });
  });

  it('refuses to start without a database, naming the key', () => {
    const config = webstreamConfigSchema.parse({});
    expect(() => IamHostModule.forRoot(config)).toThrow(/accessManagement\.databaseUrl is not set/);
  });
});
