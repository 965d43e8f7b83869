import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webstreamConfigSchema } from '@webstream/config';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { Verifier } from '@pact-foundation/pact';
import { BACKEND_TOKEN_HEADER } from '@webstream/contracts';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { pactFilesFor } from '@webstream/testing';
import { credentialFilter, expectServedDocument, signIn } from '@webstream/testing/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IamHostModule } from '../src/iam-host.module';

const ADMIN_PASSWORD = 'a long enough passphrase';
/** The gateways' credential here: what a consumer's pact recorded is its own, replaced on the way in. */
const BACKEND_TOKEN = randomBytes(24).toString('hex');

describe('the standalone IAM app', () => {
  let database: TestDatabase;
  let service: TestService;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase('ws_iam_host');
    dir = await mkdtemp(join(tmpdir(), 'ws-iam-host-'));
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      accessManagement: {
        mode: 'standalone',
        url: 'http://127.0.0.1:8090',
        databaseUrl: database.url,
        tokenSigningKey: randomBytes(32).toString('hex'),
        bootstrapAdmin: { password: ADMIN_PASSWORD },
      },
      gateway: { backend: { token: BACKEND_TOKEN } },
      // Nothing listens there: audit events wait in the spool, and IAM works on regardless.
      metricsEngine: { url: 'http://127.0.0.1:9', serviceToken: randomBytes(24).toString('hex') },
      telemetry: { spoolDir: join(dir, 'spool') },
    });
    service = await startTestService(IamHostModule.forRoot(config));
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs IAM on its migrated database, ready and serving /iam', async () => {
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ info: { 'iam-database': { status: 'up' } } });
    const login = await fetch(`${service.url}/iam/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
  });

  it.each([
    [{ tokenSigningKey: 'k'.repeat(32) }, /accessManagement\.databaseUrl is not set/],
    [{ databaseUrl: 'postgres://db/iam' }, /accessManagement\.tokenSigningKey is not set/],
  ])('refuses to start without %j missing, naming the key', (access, message) => {
    const config = webstreamConfigSchema.parse({
      accessManagement: access,
      metricsEngine: { serviceToken: 't'.repeat(32) },
    });
    expect(() => IamHostModule.forRoot(config)).toThrow(message);
  });

  it('refuses to start without the metrics engine credential its audit trail needs', () => {
    const config = webstreamConfigSchema.parse({
      accessManagement: { databaseUrl: 'postgres://db/iam', tokenSigningKey: 'k'.repeat(32) },
    });
    expect(() => IamHostModule.forRoot(config)).toThrow(/metricsEngine\.serviceToken is not set/);
  });
  it('describes every route it serves and nothing else in its OpenAPI document, which lints clean and is the committed one', async () => {
    await expectServedDocument(service.app, service.url, 'iam');
  });

  it('verifies every committed pact it is the provider of, against the real app on a real database', async () => {
    const pactUrls = pactFilesFor('iam');
    expect(pactUrls.length).toBeGreaterThan(0);
    let adminToken: string | undefined;
    await new Verifier({
      provider: 'iam',
      providerBaseUrl: service.url,
      pactUrls,
      logLevel: 'warn',
      stateHandlers: {
        'the admin is signed in': async () => {
          adminToken = await signIn(service.url, 'admin', ADMIN_PASSWORD);
        },
      },
      requestFilter: credentialFilter(() => ({
        [BACKEND_TOKEN_HEADER]: BACKEND_TOKEN,
        authorization: adminToken && `Bearer ${adminToken}`,
      })),
    }).verifyProvider();
  });
});
