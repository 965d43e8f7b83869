import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Verifier } from '@pact-foundation/pact';
import { webstreamConfigSchema } from '@webstream/config';
import { STREAMER_SECRET_HEADER } from '@webstream/contracts';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { pactFilesFor } from '@webstream/testing';
import { credentialFilter } from '@webstream/testing/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamerAgentModule } from '../../src/streamer-agent.module';
import { StreamerPeers, testLaunch } from '../streamer-peers';

describe('pact: the streamer honours its consumers', () => {
  let peers: StreamerPeers;
  let spoolDir: string;
  let streamer: TestService;
  const launch = testLaunch({}, 'sess-pact-streamer');

  beforeAll(async () => {
    peers = await new StreamerPeers('streamer-pact-backend-token-0123456789').start();
    spoolDir = await mkdtemp(join(tmpdir(), 'ws-streamer-pact-'));
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      gateway: {
        backend: { gatewayUrl: peers.gateway.url, token: 'streamer-pact-backend-token-0123456789' },
      },
      metricsEngine: { url: peers.engine.url, serviceToken: 'streamer-pact-service-token-0123456789' },
      telemetry: { spoolDir },
      streamer: { captureSource: 'synthetic', width: 320, height: 200, frameRate: 5 },
    });
    // The session's end would end the process: here the streamer stays up for the next interaction.
    streamer = await startTestService(StreamerAgentModule.forRoot(config, launch, { exit: () => undefined }));
  });

  afterAll(async () => {
    await streamer?.close();
    await peers?.stop();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('verifies every committed pact it is the provider of, against the real streamer (synthetic capture)', async () => {
    const pactUrls = pactFilesFor('streamer-agent');
    expect(pactUrls.length).toBeGreaterThan(0);
    await new Verifier({
      provider: 'streamer-agent',
      providerBaseUrl: streamer.url,
      pactUrls,
      logLevel: 'warn',
      stateHandlers: { 'the streamer serves a session': () => Promise.resolve() },
      requestFilter: credentialFilter(() => ({ [STREAMER_SECRET_HEADER]: launch.streamerSecret })),
    }).verifyProvider();
  });
});
