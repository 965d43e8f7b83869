import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webstreamConfigSchema } from '@webstream/config';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { OtlpReceiver, until, upgradeHeadersFor } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StreamerAgentModule } from '../src/streamer-agent.module';
import { StreamerPeers, testLaunch } from './streamer-peers';

const BACKEND_TOKEN = 'streamer-trace-backend-token-0123456789';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const HOST_SPAN = 'a3ce929d0e0e4736';

describe("the streamer's start and its sockets, in the traces that asked for them", () => {
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

  const launches: ReturnType<typeof testLaunch>[] = [];

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
    launches.push(launch);
    return launch.sessionId;
  }

  /** Opens `path` as the gateway would, with `headers` over the contract's, and tells how it ended. */
  function upgrade(path: string, headers: Record<string, string>): Promise<string> {
    const socket = new WebSocket(`${streamers.at(-1)!.url.replace('http', 'ws')}${path}`, {
      headers: { ...upgradeHeadersFor(launches.at(-1)!), ...headers },
    });
    return new Promise((resolve) => {
      socket.once('open', () => {
        socket.close();
        resolve('open');
      });
      socket.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      socket.once('error', (error) => resolve(error.message));
    });
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

  it("records each socket's upgrade as streamer-agent.upgrade, the child of the gateway's transport span, refusals as errors", async () => {
    await start(undefined);
    const gatewaySpan = (n: number) => `00f067aa0ba902b${n}`;
    expect(await upgrade('/capture', { traceparent: `00-${TRACE_ID}-${gatewaySpan(1)}-01` })).toBe('open');
    expect(
      await upgrade('/control', {
        traceparent: `00-${TRACE_ID}-${gatewaySpan(2)}-01`,
        'x-streamer-secret': 'not-the-session-secret',
      }),
    ).toBe('401');
    const [accepted, refused] = await until('both upgrade spans', () => {
      const spans = [1, 2].map((n) =>
        receiver.spans.find((s) => s.name === 'streamer-agent.upgrade' && s.parentSpanId === gatewaySpan(n)),
      );
      return spans.every(Boolean) ? spans : undefined;
    });
    expect(accepted).toMatchObject({
      traceId: TRACE_ID,
      statusCode: 0,
      attributes: { 'url.path': '/capture' },
    });
    expect(Number(accepted!.attributes['http.response.status_code'])).toBe(101);
    expect(refused).toMatchObject({
      traceId: TRACE_ID,
      statusCode: 2,
      attributes: { 'url.path': '/control' },
    });
    expect(Number(refused!.attributes['http.response.status_code'])).toBe(401);
  });
});
