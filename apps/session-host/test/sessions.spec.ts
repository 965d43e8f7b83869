import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  backendHealthResponseSchema,
  type ErrorEnvelope,
  heartbeatRequestSchema,
  registerRequestSchema,
  streamerConnectionSchema,
  type StreamerConnection,
} from '@webstream/contracts';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { TelemetryClient } from '@webstream/telemetry-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionHostModule } from '../src/session-host.module';
import { StreamerLauncher } from '../src/sessions/streamer-launcher';
import { freePort, StandInGateway, StandInMetricsEngine, until } from '@webstream/testing';
import {
  connectionHeaders,
  freePortRange,
  hostConfig,
  isRunning,
  SERVICE_TOKEN,
  StandInStreamers,
  TOKEN,
} from './stand-ins';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Memory in use as /proc/meminfo says it now. */
function meminfoUsage(): number {
  const text = readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)![1]);
  return ((field('MemTotal') - field('MemAvailable')) / field('MemTotal')) * 100;
}

/** What a streamer whose engine was away leaves behind: its figures, in its spool folder on disk. */
async function leaveSpool(spoolDir: string, sessionId: string, fps: number): Promise<void> {
  const client = await TelemetryClient.openFor(
    'streamer-agent',
    `streamer-${sessionId}`,
    { url: 'http://127.0.0.1:9', serviceToken: 'a service token long enough for a test', spoolDir },
    {},
  );
  client.record({
    kind: 'sample',
    metric: 'streamer.fps',
    value: fps,
    at: new Date().toISOString(),
    sessionId,
  });
  await client.close();
}

describe('the session host with a stand-in gateway, metrics engine and streamer', () => {
  let gateway: StandInGateway;
  let engine: StandInMetricsEngine;
  let streamers: StandInStreamers;
  let host: TestService;
  let hostPort: number;
  let basePort: number;
  let closed = false;

  async function connect(headers: Record<string, string>): Promise<Answer> {
    const response = await fetch(`${host.url}/getConnection`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function health() {
    return backendHealthResponseSchema.parse(await (await fetch(`${host.url}/health`)).json());
  }

  /** Every process a session's stand-in streamer started, running or not. */
  function pidsOf(sessionId: string): number[] {
    return streamers.starts(sessionId).flatMap((entry) => [entry.pid, entry.sleepPid]);
  }

  beforeAll(async () => {
    gateway = await new StandInGateway({ backendToken: TOKEN }).start();
    engine = await new StandInMetricsEngine().start();
    streamers = await StandInStreamers.create();
    hostPort = await freePort();
    basePort = await freePortRange(2, [hostPort]);
    // A streamer of an earlier run of this host, gone before the engine took its figures.
    await leaveSpool(join(streamers.dir, 'spool'), 's-earlier-1', 21);
    const config = hostConfig({
      port: hostPort,
      gatewayUrl: gateway.url,
      metricsUrl: engine.url,
      basePort,
      maxSessions: 2,
      spoolDir: join(streamers.dir, 'spool'),
    });
    host = await startTestService(
      SessionHostModule.forRoot(config, {
        registerRetryIntervalMs: 200,
        streamerLauncher: new StreamerLauncher({ entry: streamers.script, args: [streamers.dir] }),
      }),
      { port: hostPort },
    );
  });

  afterAll(async () => {
    expect(gateway.violations).toEqual([]);
    if (!closed) await host?.close();
    await gateway?.stop();
    await engine?.stop();
    // Whatever a failed test left behind.
    for (const name of ['s-first-1', 's-never-ready', 's-crashing-1', 's-second-1', 's-third-1']) {
      for (const pid of streamers ? pidsOf(name) : []) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
    if (streamers) await rm(streamers.dir, { recursive: true, force: true });
  });

  it('registers with the gateway and heartbeats real load figures', async () => {
    const [register] = await gateway.callsAtLeast('/gateway/register', 1);
    expect(register!.headers['x-backend-token']).toBe(TOKEN);
    const registration = registerRequestSchema.parse(register!.body);
    expect(registration).toMatchObject({
      serverUrl: `http://localhost:${hostPort}`,
      maxSessions: 2,
      ec2InstanceId: null,
      tags: ['linux', 'test'],
      version: '0.1.0',
    });
    expect(registration.instanceType).toMatch(/^[a-z0-9]+-[a-z0-9]+-\d+cpu$/);
    // Configured capabilities first, then those this machine's tools give (Xvfb, ffmpeg and xdotool are installed here).
    expect(registration.capabilities[0]).toBe('gpu');
    expect(registration.capabilities).toContain('x11');

    const beats = await gateway.callsAtLeast('/gateway/heartbeat', 2);
    for (const beat of beats) {
      const body = heartbeatRequestSchema.parse(beat.body);
      expect(body).toMatchObject({
        serverUrl: registration.serverUrl,
        status: 'healthy',
        activeSessions: 0,
        maxSessions: 2,
      });
      expect(body.instanceType).toBe(registration.instanceType);
      expect(body.cpuUsage).toBeGreaterThanOrEqual(0);
      expect(body.cpuUsage).toBeLessThanOrEqual(100);
      expect(body.memoryUsage).toBeGreaterThan(0);
      expect(Math.abs(body.memoryUsage - meminfoUsage())).toBeLessThan(10);
      expect(Math.abs(Date.parse(body.timestamp) - beat.at)).toBeLessThan(2_000);
    }
    // About heartbeatInterval (1 s) apart.
    expect(beats[1]!.at - beats[0]!.at).toBeGreaterThan(800);
  });

  it('answers /health with the backend health contract', async () => {
    const answer = await health();
    expect(answer).toMatchObject({ status: 'healthy', activeSessions: 0, maxSessions: 2, problems: [] });
    expect(answer.captureTools).toMatchObject({ xvfb: true, ffmpeg: true, xdotool: true });
    // The kit's probes are still there.
    expect((await fetch(`${host.url}/health/live`)).status).toBe(200);
  });

  it('refuses /getConnection without the gateway’s token, contract headers or session id', async () => {
    // Not from the gateway: no X-Backend-Token.
    const { 'X-Backend-Token': _token, ...untrusted } = connectionHeaders('s-direct-1');
    const stranger = await connect(untrusted);
    expect(stranger.status).toBe(401);
    expect((stranger.body as ErrorEnvelope).error.message).toContain('gateway.backend.token');

    const bare = await connect({ 'X-Session-ID': 's-direct-1', 'X-Backend-Token': TOKEN });
    expect(bare.status).toBe(400);
    expect((bare.body as ErrorEnvelope).error.fields?.map((field) => field.path)).toContain(
      'headers.X-Workspace-ID',
    );
    expect((bare.body as ErrorEnvelope).error.message).toContain('X-Workspace-ID');

    const { 'X-Session-ID': _, ...contractOnly } = connectionHeaders('s-unused-1');
    const noSession = await connect(contractOnly);
    expect(noSession.status).toBe(400);
    expect((noSession.body as ErrorEnvelope).error.message).toBe('headers.x-session-id: is required');

    const badPolicy = await connect({
      ...connectionHeaders('s-direct-2'),
      'X-Policy-JSON': 'not base64 json',
    });
    expect(badPolicy.status).toBe(400);
    expect((badPolicy.body as ErrorEnvelope).error.message).toContain('X-Policy-JSON');

    expect(streamers.starts('s-direct-1')).toEqual([]);
    expect(streamers.starts('s-direct-2')).toEqual([]);
  });

  let first: StreamerConnection;

  it('starts a streamer for a new session and answers where it listens', async () => {
    const answer = await connect(connectionHeaders('s-first-1'));
    expect(answer.status).toBe(200);
    first = streamerConnectionSchema.parse(answer.body);
    expect(first).toMatchObject({
      sessionId: 's-first-1',
      // Streamers listen on the loopback address serverUrl's localhost names, never on every address.
      host: '127.0.0.1',
      port: basePort,
      paths: { capture: '/capture', control: '/control', audio: '/audio' },
    });
    const [start] = streamers.starts('s-first-1');
    // The secret reached the streamer through its descriptor; its environment holds no secret at all.
    expect(start!.launch.streamerSecret).toBe(first.streamerSecret);
    expect(start!.envKeys!.filter((key) => /^WEBSTREAM__|TOKEN|SECRET|PASSWORD/i.test(key))).toEqual([]);
    expect(start!.launch).toEqual({
      sessionId: 's-first-1',
      streamerGuid: first.streamerGuid,
      port: basePort,
      address: '127.0.0.1',
      streamerSecret: first.streamerSecret,
      sandbox: null,
      configOverrides: expect.any(Object),
      contract: expect.objectContaining({
        userId: 'user-1',
        appArgs: '--fullscreen',
        workspaceName: 'Design studio',
      }),
    });
    expect(isRunning(start!.pid)).toBe(true);
    expect(isRunning(start!.sleepPid)).toBe(true);

    expect(await health()).toMatchObject({ status: 'healthy', activeSessions: 1 });
    const since = Date.now();
    await until('a heartbeat counting the session', () =>
      gateway.calls('/gateway/heartbeat').some((beat) => beat.at > since && beat.body.activeSessions === 1),
    );
    const started = await until('usage session-start', () => engine.usage('session-start', 's-first-1'));
    expect(started).toMatchObject({
      userId: 'user-1',
      orgId: 'org-1',
      appId: 'app-1',
      workspaceId: 'ws-1',
      node: `http://localhost:${hostPort}`,
    });
    expect(engine.authorizations[0]).toBe(`Bearer ${SERVICE_TOKEN}`);
  });

  it('answers a reconnect with the running streamer, and another user with 403', async () => {
    const again = await connect(connectionHeaders('s-first-1'));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first);
    expect(streamers.starts('s-first-1')).toHaveLength(1);

    const stranger = await connect(connectionHeaders('s-first-1', { userId: 'user-2' }));
    expect(stranger.status).toBe(403);
    expect((stranger.body as ErrorEnvelope).error.code).toBe('forbidden');
  });

  it('answers 503 when a streamer never gets ready or crashes, and leaves nothing running', async () => {
    const begun = Date.now();
    const never = await connect(connectionHeaders('s-never-ready', { appExe: 'never-ready' }));
    const took = Date.now() - begun;
    expect(never.status).toBe(503);
    expect((never.body as ErrorEnvelope).error.message).toContain('not ready within 2 s');
    expect(took).toBeGreaterThanOrEqual(1_900);
    const pids = pidsOf('s-never-ready');
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);

    const crash = await connect(connectionHeaders('s-crashing-1', { appExe: 'crash' }));
    expect(crash.status).toBe(503);
    expect((crash.body as ErrorEnvelope).error.message).toContain('exited before it was ready (exit code 3)');
    // The stderr line goes to the log, not to the caller.
    expect(JSON.stringify(crash.body)).not.toContain('cannot open the display');
    await until('the crashed streamer’s group to be gone', () =>
      pidsOf('s-crashing-1').every((pid) => !isRunning(pid)),
    );

    expect(await health()).toMatchObject({ activeSessions: 1 });
    expect(engine.usage('session-start', 's-never-ready')).toBeUndefined();
  });

  it('starts one streamer for concurrent first calls of a session, on the next port', async () => {
    const answers = await Promise.all([
      connect(connectionHeaders('s-second-1')),
      connect(connectionHeaders('s-second-1')),
      connect(connectionHeaders('s-second-1')),
    ]);
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(new Set(answers.map((answer) => answer.body.streamerGuid)).size).toBe(1);
    expect(answers[0].body.port).toBe(basePort + 1);
    expect(streamers.starts('s-second-1')).toHaveLength(1);
  });

  it('answers 409 when every slot is taken', async () => {
    const full = await connect(connectionHeaders('s-third-1'));
    expect(full.status).toBe(409);
    expect((full.body as ErrorEnvelope).error).toMatchObject({ status: 409, code: 'conflict' });
    expect((full.body as ErrorEnvelope).error.message).toContain('sessionHost.maxSessions');
    expect(streamers.starts('s-third-1')).toEqual([]);
    const answer = await health();
    expect(answer).toMatchObject({ status: 'degraded', activeSessions: 2 });
    expect(answer.problems.join(' ')).toContain('sessionHost.maxSessions');
  });

  it('sends what the streamers of an earlier run left in their spools, then removes them', async () => {
    const fps = (sessionId: string) =>
      engine.events.find(
        (event) =>
          event.kind === 'sample' && event.metric === 'streamer.fps' && event.sessionId === sessionId,
      );
    expect(await until('the left-over figures', () => fps('s-earlier-1'))).toMatchObject({ value: 21 });
    await until('the folder to go', () => !existsSync(join(streamers.dir, 'spool', 'streamer-s-earlier-1')));
  });

  it('frees the slot of a streamer that dies, and ends its whole process group', async () => {
    const [start] = streamers.starts('s-first-1');
    // What it could not send before it was killed is sent on its behalf.
    await leaveSpool(join(streamers.dir, 'spool'), 's-first-1', 17);
    process.kill(start!.pid, 'SIGKILL');
    await until('the streamer’s sleep child to be ended', () => !isRunning(start!.sleepPid));
    const ended = await until('usage session-end', () => engine.usage('session-end', 's-first-1'));
    expect(ended).toMatchObject({ userId: 'user-1', node: `http://localhost:${hostPort}` });
    // It cannot say so itself: the host tells the gateway, which ends the session and tells its browser.
    const [lost] = await gateway.callsAtLeast('/gateway/session/ended', 1);
    expect(
      await until('the killed streamer’s spooled figures', () =>
        engine.events.find(
          (event) =>
            event.kind === 'sample' && event.metric === 'streamer.fps' && event.sessionId === 's-first-1',
        ),
      ),
    ).toMatchObject({ value: 17 });
    expect(lost!.body).toEqual({
      sessionId: 's-first-1',
      streamerGuid: start!.launch.streamerGuid,
      reason: 'host-lost',
    });
    await until('the slot to be free', async () => (await health()).activeSessions === 1);

    const third = await connect(connectionHeaders('s-third-1', { appExe: 'ignore-drain' }));
    expect(third.status).toBe(200);
    // The freed slot's port.
    expect(third.body.port).toBe(basePort);
  });

  it('ends a session the gateway ended: the streamer is told the reason, then its processes are ended', async () => {
    const end = (body: unknown, token: string | undefined = TOKEN) =>
      fetch(`${host.url}/session/end`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { 'x-backend-token': token } : {}) },
        body: JSON.stringify(body),
      });
    expect((await end({ sessionId: 's-third-1', reason: 'admin-disconnect' }, '')).status).toBe(401);
    expect((await end({ sessionId: 's-third-1', reason: 'because' })).status).toBe(400);
    expect(await (await end({ sessionId: 's-nobody-1', reason: 'session-ended' })).json()).toEqual({
      ended: false,
    });
    // s-third-1 ignores the request: the host ends its process group after the kill grace.
    const ended = await end({ sessionId: 's-third-1', reason: 'admin-disconnect' });
    expect(await ended.json()).toEqual({ ended: true });
    const told = streamers.records('s-third-1').find((entry) => entry.event === 'end');
    // The session's own secret, not the backend token, is what the streamer is asked with.
    expect(told).toMatchObject({
      secret: streamers.starts('s-third-1')[0]!.launch.streamerSecret,
      body: { reason: 'admin-disconnect' },
    });
    expect(told!.token).toBeUndefined();
    for (const pid of pidsOf('s-third-1')) expect(isRunning(pid)).toBe(false);
    await until('usage session-end of s-third-1', () => engine.usage('session-end', 's-third-1'));
    const fourth = await connect(connectionHeaders('s-fourth-1', { appExe: 'ignore-drain' }));
    expect(fourth.status).toBe(200);
  });

  it('drains on shutdown: warns the streamers, ends them, unregisters', async () => {
    const begun = Date.now();
    const closing = host.close();
    closed = true;
    await until('/health to say draining', async () => (await health()).status === 'draining');
    const refused = await connect(connectionHeaders('s-late-1'));
    expect(refused.status).toBe(503);
    await closing;
    const took = Date.now() - begun;
    // s-fourth-1 ignores the drain request: it is ended when drainTimeout (1.5 s) has passed.
    expect(took).toBeGreaterThanOrEqual(1_400);

    for (const sessionId of ['s-second-1', 's-fourth-1']) {
      const drain = streamers.records(sessionId).find((entry) => entry.event === 'drain');
      expect(drain).toMatchObject({
        secret: streamers.starts(sessionId)[0]!.launch.streamerSecret,
        body: { secondsLeft: 1 },
      });
      for (const pid of pidsOf(sessionId)) expect(isRunning(pid)).toBe(false);
      expect(engine.usage('session-end', sessionId)).toBeDefined();
    }
    const draining = gateway.calls('/gateway/heartbeat').find((beat) => beat.body.status === 'draining');
    expect(draining).toBeDefined();
    const [unregister] = gateway.calls('/gateway/unregister');
    expect(unregister!.body).toEqual({ serverUrl: `http://localhost:${hostPort}` });
    expect(unregister!.at).toBeGreaterThanOrEqual(draining!.at);
    expect(gateway.received.at(-1)!.path).toBe('/gateway/unregister');
  });
});
