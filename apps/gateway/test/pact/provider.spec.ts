import { randomUUID } from 'node:crypto';
import { Verifier } from '@pact-foundation/pact';
import { BACKEND_TOKEN_HEADER } from '@webstream/contracts';
import { generateLicenceKeyPair, issueLicence } from '@webstream/licence';
import { type TestService } from '@webstream/service-kit/testing';
import { PACT_BACKEND_REGISTRATION, pactFilesFor } from '@webstream/testing';
import { credentialFilter, signIn } from '@webstream/testing/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendRegistry } from '../../src/backends/backend-registry';
import { GatewayUnderTest } from '../gateway-under-test';
import { LicenceRegistry } from '../../src/licence/licence-registry';

/** The provider's own credential: what the consumers recorded is theirs, replaced on the way in. */
const SERVER_URL = PACT_BACKEND_REGISTRATION.serverUrl;
const LICENSED_SEATS = 3;
const DAY_MS = 86_400_000;
const keys = generateLicenceKeyPair();

const registration = PACT_BACKEND_REGISTRATION;

describe('pact: the gateway honours its consumers', () => {
  let under: GatewayUnderTest;
  let gateway: TestService;

  beforeAll(async () => {
    under = await GatewayUnderTest.prepare('pact');
    const config = under.config({
      gateway: {
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
    });
    gateway = await under.start(config);
  });

  afterAll(async () => {
    await under?.stop();
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
          adminToken = await signIn(gateway.url, 'admin', under.adminPassword);
        },
        'every licensed seat is taken': async () => {
          await freeSeats();
          for (const guid of others) await licence.checkin(guid);
        },
      },
      requestFilter: credentialFilter(() => ({
        [BACKEND_TOKEN_HEADER]: under.backendToken,
        authorization: adminToken && `Bearer ${adminToken}`,
      })),
    }).verifyProvider();
    expect(output).toBeDefined();
  });
});
