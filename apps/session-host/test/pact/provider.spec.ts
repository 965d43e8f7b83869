import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Verifier } from '@pact-foundation/pact';
import { BACKEND_TOKEN_HEADER } from '@webstream/contracts';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { pactFilesFor } from '@webstream/testing';
import { credentialFilter } from '@webstream/testing/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionSupervisor } from '../../src/sessions/session-supervisor';
import { StreamerLauncher } from '../../src/sessions/streamer-launcher';
import { SessionHostModule } from '../../src/session-host.module';
import { freePort, StandInGateway } from '@webstream/testing';
import { freePortRange, hostConfig, StandInStreamers, TOKEN } from '../stand-ins';

describe('pact: the session host honours its consumers', () => {
  let streamers: StandInStreamers;
  let gateway: StandInGateway;
  let host: TestService;

  beforeAll(async () => {
    streamers = await StandInStreamers.create();
    gateway = await new StandInGateway({ backendToken: TOKEN }).start();
    const port = await freePort();
    const basePort = await freePortRange(4, [port]);
    host = await startTestService(
      SessionHostModule.forRoot(
        hostConfig({
          port,
          gatewayUrl: gateway.url,
          basePort,
          maxSessions: 2,
          spoolDir: join(streamers.dir, 'spool'),
        }),
        { streamerLauncher: new StreamerLauncher({ entry: streamers.script, args: [streamers.dir] }) },
      ),
      { port },
    );
  });

  afterAll(async () => {
    await host?.close();
    await gateway?.stop();
    if (streamers) await rm(streamers.dir, { recursive: true, force: true });
  });

  it('verifies every committed pact it is the provider of, against the real app and stand-in streamers', async () => {
    const pactUrls = pactFilesFor('session-host');
    expect(pactUrls.length).toBeGreaterThan(0);
    await new Verifier({
      provider: 'session-host',
      providerBaseUrl: host.url,
      pactUrls,
      logLevel: 'warn',
      stateHandlers: {
        // The host starts empty, with room for two; the only session a pact starts is ended again.
        'the host runs no session': async () => {
          await host.app.get(SessionSupervisor).endSession('sess-pact-connect', 'session-ended');
        },
        'the host has room for a session': () => Promise.resolve(),
      },
      requestFilter: credentialFilter(() => ({ [BACKEND_TOKEN_HEADER]: TOKEN })),
    }).verifyProvider();
  });
});
