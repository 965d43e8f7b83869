import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageProviderPact, providerWithMetadata } from '@pact-foundation/pact';
import { webstreamConfigSchema } from '@webstream/config';
import {
  CAPTURE_CODECS_QUERY_PARAM,
  decodeBinaryMessage,
  type KeyMessage,
  type StreamerLaunch,
  type WorkspacePolicy,
} from '@webstream/contracts';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { pactFilesFor, until, upgradeHeadersFor } from '@webstream/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import WebSocket from 'ws';
import { StreamerAgentModule } from '../../src/streamer-agent.module';
import { StreamerPeers, testLaunch } from '../streamer-peers';

/** One socket of a real streamer, opened as the gateway opens it, keeping what the streamer sends. */
class Socket {
  readonly texts: Record<string, unknown>[] = [];
  readonly headers: Record<string, unknown>[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, binary) => {
      if (binary) this.headers.push(decodeBinaryMessage(data).header as Record<string, unknown>);
      else this.texts.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
    });
  }

  static async open(service: TestService, launch: StreamerLaunch, path: string): Promise<Socket> {
    const socket = new WebSocket(`${service.url.replace('http', 'ws')}${path}`, {
      headers: upgradeHeadersFor(launch),
    });
    const opened = new Socket(socket);
    await new Promise<void>((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return opened;
  }

  text(type: string, kind?: string): Promise<Record<string, unknown>> {
    return until(`a ${type} message`, () =>
      this.texts.find((m) => m['type'] === type && (kind === undefined || m['kind'] === kind)),
    );
  }

  close(): void {
    this.socket.terminate();
  }
}

describe("pact: the streamer's messages honour the browser's expectations", () => {
  let peers: StreamerPeers;
  let spoolDir: string;
  const streamers: TestService[] = [];
  const sockets: Socket[] = [];

  async function start(
    policy: Partial<WorkspacePolicy> = {},
  ): Promise<{ service: TestService; launch: StreamerLaunch }> {
    const launch = testLaunch(policy);
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      gateway: {
        backend: { gatewayUrl: peers.gateway.url, token: 'streamer-pact-backend-token-0123456789' },
      },
      metricsEngine: { url: peers.engine.url, serviceToken: 'streamer-pact-service-token-0123456789' },
      telemetry: { spoolDir },
      streamer: { captureSource: 'synthetic', width: 320, height: 200, frameRate: 5 },
    });
    const service = await startTestService(
      StreamerAgentModule.forRoot(config, launch, { exit: () => undefined }),
    );
    streamers.push(service);
    return { service, launch };
  }

  async function open(path: string, policy: Partial<WorkspacePolicy> = {}): Promise<Socket> {
    const { service, launch } = await start(policy);
    const socket = await Socket.open(service, launch, path);
    sockets.push(socket);
    return socket;
  }

  beforeAll(async () => {
    peers = await new StreamerPeers('streamer-pact-backend-token-0123456789').start();
    spoolDir = await mkdtemp(join(tmpdir(), 'ws-streamer-messages-'));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    for (const service of streamers) await service.close();
    await peers?.stop();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('produces every message the browser expects, from a real streamer (synthetic capture)', async () => {
    await new MessageProviderPact({
      provider: 'streamer-agent',
      pactUrls: pactFilesFor('streamer-agent', 'messages'),
      logLevel: 'warn',
      // Each message is taken from a streamer started for it, so no state carries over.
      stateHandlers: {
        'a session is streaming': () => Promise.resolve(),
        'a view-only session is streaming': () => Promise.resolve(),
      },
      messageProviders: {
        'the header of a JPEG keyframe on /capture': providerWithMetadata(
          async () => {
            const capture = await open(`/capture?${CAPTURE_CODECS_QUERY_PARAM}=jpeg`);
            return until('a keyframe', () => capture.headers.find((header) => header['keyframe'] === true));
          },
          { path: '/capture', frame: 'binary' },
        ),
        'a pong on /control': providerWithMetadata(
          async () => {
            const control = await open('/control');
            control.socket.send(JSON.stringify({ type: 'ping', t: 1234.5 }));
            return control.text('pong');
          },
          { path: '/control', frame: 'text' },
        ),
        'a view-only notice on /control': providerWithMetadata(
          async () => {
            const control = await open('/control', { inputAllowed: false });
            const press: KeyMessage = {
              type: 'key',
              action: 'down',
              code: 'KeyB',
              key: 'b',
              modifiers: { shift: false, ctrl: false, alt: false, meta: false },
            };
            control.socket.send(JSON.stringify(press));
            return control.text('notice', 'view-only');
          },
          { path: '/control', frame: 'text' },
        ),
        'the audio format on /audio': providerWithMetadata(
          async () => {
            const audio = await open('/audio');
            return audio.text('audio-format');
          },
          { path: '/audio', frame: 'text' },
        ),
      },
    }).verify();
  });
});
