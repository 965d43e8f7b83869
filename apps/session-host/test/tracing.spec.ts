import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestService, startTestService } from '@webstream/service-kit/testing';
import { freePort, OtlpReceiver, StandInGateway, until } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionHostModule } from '../src/session-host.module';
import { StreamerLauncher } from '../src/sessions/streamer-launcher';
import {
  connectionHeaders,
  freePortRange,
  hostConfig,
  isRunning,
  StandInStreamers,
  TOKEN,
} from './stand-ins';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const GATEWAY_SPAN = '00f067aa0ba902b7';

describe("a session's start, in the gateway's trace", () => {
  const receiver = new OtlpReceiver();
  let gateway: StandInGateway;
  let streamers: StandInStreamers;
  let host: TestService;

  beforeAll(async () => {
    await receiver.start();
    gateway = await new StandInGateway({ backendToken: TOKEN }).start();
    streamers = await StandInStreamers.create();
    const hostPort = await freePort();
    const config = hostConfig({
      port: hostPort,
      gatewayUrl: gateway.url,
      basePort: await freePortRange(1, [hostPort]),
      maxSessions: 1,
      spoolDir: join(streamers.dir, 'spool'),
    });
    host = await startTestService(
      SessionHostModule.forRoot(
        { ...config, observability: { tracing: { enabled: true, endpoint: receiver.url, sampleRatio: 1 } } },
        { streamerLauncher: new StreamerLauncher({ entry: streamers.script, args: [streamers.dir] }) },
      ),
      { port: hostPort },
    );
  });

  afterAll(async () => {
    await host?.close();
    for (const entry of streamers?.starts('s-traced-1') ?? [])
      for (const pid of [entry.pid, entry.sleepPid]) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    await gateway?.stop();
    await receiver.stop();
    if (streamers) await rm(streamers.dir, { recursive: true, force: true });
  });

  it("hands the streamer it starts the trace of the gateway's /getConnection, through its own span", async () => {
    const response = await fetch(`${host.url}/getConnection`, {
      headers: { ...connectionHeaders('s-traced-1'), traceparent: `00-${TRACE_ID}-${GATEWAY_SPAN}-01` },
    });
    expect(response.status).toBe(200);
    const [start] = await until(
      'the streamer started',
      () => streamers.starts('s-traced-1').length > 0 && streamers.starts('s-traced-1'),
    );
    const route = await until('the host span exported', () =>
      receiver.spans.find((span) => span.name === 'session-host.route' && span.parentSpanId === GATEWAY_SPAN),
    );
    expect(route).toMatchObject({ traceId: TRACE_ID, attributes: { 'http.route': '/getConnection' } });
    expect(start!.launch.traceparent).toBe(`00-${TRACE_ID}-${route.spanId}-01`);
  });
});
