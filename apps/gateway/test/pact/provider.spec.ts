import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Verifier } from '@pact-foundation/pact';
import { webstreamConfigSchema } from '@webstream/config';
import { BACKEND_TOKEN_HEADER } from '@webstream/contracts';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { generateLicenceKeyPair, issueLicence } from '@webstream/licence';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { PACT_BACKEND_REGISTRATION, pactFilesFor } from '@webstream/testing';
import { credentialFilter, signIn } from '@webstream/testing/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendRegistry } from '../../src/backends/backend-registry';
import { GatewayModule } from '../../src/gateway.module';
import { LicenceRegistry } from '../../src/licence/licence-registry';

/** The provider's own credential: what the consumers recorded is theirs, replaced on the way in. */
const BACKEND_TOKEN = randomBytes(24).toString('hex');
const SERVER_URL = PACT_BACKEND_REGISTRATION.serverUrl;
const LICENSED_SEATS = 3;
const ADMIN_PASSWORD = 'a long enough passphrase';
const DAY_MS = 86_400_000;
const keys = generateLicenceKeyPair();

const registration = PACT_BACKEND_REGISTRATION;

describe('pact: the gateway honours its consumers', () => {
  let database: TestDatabase;
  let dir: string;
  let gateway: TestService;

  beforeAll(async () => {
    database = await createTestDatabase('ws_gateway_pact');
    dir = await mkdtemp(join(tmpdir(), 'ws-gateway-pact-'));
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      accessManagement: {
        databaseUrl: database.url,
        tokenSigningKey: randomBytes(32).toString('hex'),
        bootstrapAdmin: { password: ADMIN_PASSWORD },
      },
      metricsEngine: { url: 'http://127.0.0.1:9', serviceToken: 's'.repeat(32) },
      gateway: {
        backend: { token: BACKEND_TOKEN },
        licence: {
          publicKey: keys.publicKeyPem,
          key: issueLicence(
            {
              licensee: 'Pact Ltd',
              maxStreamers: LICENSED_SEATS,
              issuedAt: new Date(Date.now() - DAY_MS).toISOString(),
              expiresAt: new Date(Date.now() + 30 * DAY_MS).toISOString(),
              kind: 'production',
            },
            keys.privateKeyPem,
          ),
        },
      },
      telemetry: { spoolDir: join(dir, 'spool') },
    });
    gateway = await startTestService(GatewayModule.forRoot(config));
  });

  afterAll(async () => {
    await gateway?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies every committed pact it is the provider of, against the real app on a real database', async () => {
    const pactUrls = pactFilesFor('gateway');
    expect(pactUrls.length).toBeGreaterThan(0);
    const registry = gateway.app.get(BackendRegistry);
    const licence = gateway.app.get(LicenceRegistry);
    /** Seats other streamers hold, so that a state can free them or fill the licence. */
    const others = Array.from({ length: LICENSED_SEATS }, () => randomUUID());
    /** The access token of the signed-in admin, which replaces the one the browser's pact recorded. */
    let adminToken: string | undefined;
    const freeSeats = async () => {
      for (const guid of others) await licence.checkout(guid);
    };
    const output = await new Verifier({
      provider: 'gateway',
      providerBaseUrl: gateway.url,
      pactUrls,
      logLevel: 'warn',
      stateHandlers: {
        'no backend is registered': async () => {
          await registry.unregister({ serverUrl: SERVER_URL });
        },
        'the backend http://10.0.1.5:9005 is registered': async () => {
          await registry.register(registration);
        },
        'the licence has room': freeSeats,
        // The bootstrap admin, created on the empty database with the password the browser's pact uses.
        'the admin exists': () => Promise.resolve(),
        'the admin is signed in': async () => {
          adminToken = await signIn(gateway.url, 'admin', ADMIN_PASSWORD);
        },
        'every licensed seat is taken': async () => {
          await freeSeats();
          for (const guid of others) await licence.checkin(guid);
        },
      },
      requestFilter: credentialFilter(() => ({
        [BACKEND_TOKEN_HEADER]: BACKEND_TOKEN,
        authorization: adminToken && `Bearer ${adminToken}`,
      })),
    }).verifyProvider();
    expect(output).toBeDefined();
  });
});
