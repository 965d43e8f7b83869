import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webstreamConfigSchema } from '@webstream/config';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { OtlpReceiver, until } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamerAgentModule } from '../src/streamer-agent.module';
import { StreamerPeers, testLaunch } from './streamer-peers';

const BACKEND_TOKEN = 'streamer-trace-backend-token-0123456789';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const HOST_SPAN = 'a3ce929d0e0e4736';

describe("the streamer's start, in the trace that asked for the session", () => {
  const receiver = new OtlpReceiver();
  let peers: StreamerPeers;
  let spoolDir: string;
  const streamers: TestService[] = [];

  beforeAll(async () => {
    await receiver.start();
    peers = await new StreamerPeers(BACKEND_TOKEN).start();
    spoolDir = await mkdtemp(join(tmpdir(), 'ws-streamer-trace-'));
  });

  afterAll(async () => {
    for (const streamer of streamers) await streamer.close();
    await peers?.stop();
    await receiver.stop();
    await rm(spoolDir, { recursive: true, force: true });
  });

  async function start(traceparent: string | undefined): Promise<string> {
    const launch = { ...testLaunch(), ...(traceparent ? { traceparent } : {}) };
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      gateway: { backend: { gatewayUrl: peers.gateway.url, token: BACKEND_TOKEN } },
      metricsEngine: { url: peers.engine.url, serviceToken: 'streamer-trace-service-token-0123456789' },
      telemetry: { spoolDir },
      streamer: { captureSource: 'synthetic', width: 320, height: 200, frameRate: 5 },
      observability: { tracing: { enabled: true, endpoint: receiver.url } },
    });
    streamers.push(
      await startTestService(StreamerAgentModule.forRoot(config, launch, { exit: () => undefined })),
    );
    return launch.sessionId;
  }

  it("records its start as streamer-agent.start, the child of the session host's span", async () => {
    const sessionId = await start(`00-${TRACE_ID}-${HOST_SPAN}-01`);
    const span = await until('the start span', () =>
      receiver.spans.find((s) => s.name === 'streamer-agent.start'),
    );
    expect(span).toMatchObject({ traceId: TRACE_ID, parentSpanId: HOST_SPAN });
    expect(span.attributes['webstream.session_id']).toBe(sessionId);
  });

  it('records no start span for a launch that carries no trace', async () => {
    const before = receiver.spans.filter((s) => s.name === 'streamer-agent.start').length;
    const sessionId = await start(undefined);
    // Its own requests are traced (the readiness poll), its start is not a trace of its own.
    const res = await fetch(`${streamers.at(-1)!.url}/health/ready`);
    expect(res.status).toBe(200);
    await until('the readiness request exported', () =>
      receiver.spans.some(
        (s) => s.name === 'streamer-agent.route' && s.attributes['url.path'] === '/health/ready',
      ),
    );
    expect(receiver.spans.filter((s) => s.name === 'streamer-agent.start')).toHaveLength(before);
    expect(receiver.spans.some((s) => s.attributes['webstream.session_id'] === sessionId)).toBe(false);
  });
});
