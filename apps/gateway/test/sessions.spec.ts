import {
  type ErrorEnvelope,
  type SessionReleaseResponse,
  type SessionSelectRequest,
  type SessionStatusResponse,
  type TokenResponse,
} from '@webstream/contracts';
import { type TestService } from '@webstream/service-kit/testing';
import { call, StandInMetricsEngine, StandInSessionHost, TEST_REDIS_URL, until } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayUnderTest } from './gateway-under-test';
import { deleteKeys, testKeyPrefix } from './redis-keys';

describe('session brokering', () => {
  const ingest = new StandInMetricsEngine();
  let under: GatewayUnderTest;
  const backends: StandInSessionHost[] = [];
  const redisPrefix = testKeyPrefix();

  function startGateway(overrides: { redis?: boolean; affinity?: number } = {}): Promise<TestService> {
    return under.start(
      under.config({
        gateway: {
          backend: { heartbeatInterval: 1 },
          maxSessionsPerUser: 3,
          loadBalancing: { strategy: 'RoundRobin', sessionAffinityTimeout: overrides.affinity ?? 3600 },
        },
        metricsEngine: { url: ingest.url },
        telemetry: { flushIntervalMs: 100 },
        ...(overrides.redis ? { redis: { url: TEST_REDIS_URL, keyPrefix: redisPrefix } } : {}),
      }),
    );
  }

  async function register(
    gateway: TestService,
    backend: StandInSessionHost,
    tags: string[] = [],
  ): Promise<void> {
    const answer = await call(gateway.url, 'POST', '/gateway/register', {
      headers: { 'x-backend-token': under.backendToken },
      body: backend.registration({ tags }),
    });
    expect(answer.status).toBe(200);
  }

  interface World {
    gateway: TestService;
    admin: TokenResponse;
    user: TokenResponse;
    stranger: TokenResponse;
    launch: SessionSelectRequest;
    gpuLaunch: SessionSelectRequest;
  }

  async function world(gateway: TestService, suffix: string): Promise<World> {
    const base = gateway.url;
    const admin = (
      await call<TokenResponse>(base, 'POST', '/iam/auth/login', {
        body: { username: 'admin', password: under.adminPassword },
      })
    ).body;
    const post = async (path: string, body: unknown): Promise<{ id: string }> => {
      const answer = await call<{ id: string }>(base, 'POST', path, { token: admin.accessToken, body });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return answer.body;
    };
    const password = 'another long passphrase';
    const user = await post('/iam/users', { username: `una-${suffix}`, password });
    await post('/iam/users', { username: `sam-${suffix}`, password });
    const app = await post('/iam/applications', { name: `Calc ${suffix}`, exe: 'xcalc', args: '-rpn' });
    const workspace = await post('/iam/workspaces', {
      name: `Office ${suffix}`,
      applicationIds: [app.id],
      maxSessions: 2,
    });
    const gpu = await post('/iam/workspaces', {
      name: `Render ${suffix}`,
      applicationIds: [app.id],
      requiredTags: ['gpu'],
    });
    await post('/iam/entitlements', { workspaceId: workspace.id, userId: user.id });
    await post('/iam/entitlements', { workspaceId: gpu.id, userId: user.id });
    const login = async (username: string) =>
      (await call<TokenResponse>(base, 'POST', '/iam/auth/login', { body: { username, password } })).body;
    const launch = {
      workspaceId: workspace.id,
      workspaceType: 'app',
      appId: app.id,
      appExe: 'xcalc',
      appArgs: '-rpn',
    } as const;
    return {
      gateway,
      admin,
      user: await login(`una-${suffix}`),
      stranger: await login(`sam-${suffix}`),
      launch,
      gpuLaunch: { ...launch, workspaceId: gpu.id },
    };
  }

  function select(w: World, sessionId: string | undefined, body: unknown, token = w.user.accessToken) {
    return call<{ sessionId: string; state: string } & ErrorEnvelope>(
      w.gateway.url,
      'POST',
      '/gateway/session/select',
      {
        token,
        body,
        headers: sessionId === undefined ? {} : { 'x-session-id': sessionId },
      },
    );
  }

  /** The status of `sessionId`, asked with `token` (the user's unless given). */
  function sessionStatus(w: World, sessionId: string, token = w.user.accessToken) {
    return call<SessionStatusResponse>(w.gateway.url, 'GET', '/gateway/session/status', {
      token,
      headers: { 'x-session-id': sessionId },
    });
  }

  function releaseSession(w: World, sessionId: string) {
    return call<SessionReleaseResponse>(w.gateway.url, 'POST', '/gateway/session/release', {
      token: w.user.accessToken,
      body: { sessionId },
    });
  }

  async function backendOf(w: World, sessionId: string): Promise<string> {
    const sessions = await call<{ items: { sessionId: string; backend: string }[] }>(
      w.gateway.url,
      'GET',
      '/gateway/admin/sessions',
      {
        token: w.admin.accessToken,
      },
    );
    return sessions.body.items.find((session) => session.sessionId === sessionId)!.backend;
  }

  beforeAll(async () => {
    under = await GatewayUnderTest.prepare('sessions');
    await ingest.start();
    backends.push(
      await new StandInSessionHost({ backendToken: under.backendToken }).start(),
      await new StandInSessionHost({ backendToken: under.backendToken }).start(),
    );
  });

  afterAll(async () => {
    await under?.stop();
    for (const backend of backends) await backend.stop();
    await ingest.stop();
    await deleteKeys(redisPrefix);
  });

  describe('on one gateway', () => {
    let w: World;

    beforeAll(async () => {
      const gateway = await startGateway({ affinity: 1 });
      for (const backend of backends) await register(gateway, backend);
      w = await world(gateway, 'one');
    });

    it('refuses a select without a token (401), or without an X-Session-ID header (400 naming it)', async () => {
      expect((await select(w, 'session-0001', w.launch, '')).status).toBe(401);
      const missing = await select(w, undefined, w.launch);
      expect(missing.status).toBe(400);
      expect(missing.body.error.fields).toEqual([{ path: 'headers.x-session-id', message: 'is required' }]);
    });

    it('refuses what IAM does not entitle, and a client that names another executable (403)', async () => {
      const stranger = await select(w, 'stranger-0001', w.launch, w.stranger.accessToken);
      expect(stranger.status).toBe(403);
      expect(stranger.body.error.message).toMatch(/^not-entitled:/);
      const sneaky = await select(w, 'sneaky-0001', { ...w.launch, appExe: '/bin/sh' });
      expect(sneaky.status).toBe(403);
      expect(sneaky.body.error.message).toMatch(/^appExe: /);
      const args = await select(w, 'sneaky-0002', { ...w.launch, appArgs: '-e rm' });
      expect(args.body.error.message).toMatch(/^appArgs: /);
    });

    it('reserves, answers the same session again, keeps it from others, and reports its status', async () => {
      const first = await select(w, 'una-session-01', w.launch);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        sessionId: 'una-session-01',
        state: 'reserved',
        workspaceId: w.launch.workspaceId,
      });
      expect((await select(w, 'una-session-01', w.launch)).status).toBe(200);
      expect((await select(w, 'una-session-01', w.launch, w.stranger.accessToken)).status).toBe(404);
      const status = await sessionStatus(w, 'una-session-01');
      expect(status.body).toMatchObject({ state: 'reserved', backendReachable: true });
      const foreign = await sessionStatus(w, 'una-session-01', w.stranger.accessToken);
      expect(foreign.status).toBe(404);
    });

    it("reports each session's launch and end, each host's load and the licence's seats to the metrics engine", async () => {
      expect((await select(w, 'una-session-09', w.launch)).status).toBe(200);
      const backend = await backendOf(w, 'una-session-09');
      const beat = await call(w.gateway.url, 'POST', '/gateway/heartbeat', {
        headers: { 'x-backend-token': under.backendToken },
        body: {
          serverUrl: backend,
          status: 'healthy',
          activeSessions: 1,
          maxSessions: 10,
          instanceType: 'test',
          tags: [],
          cpuUsage: 37.5,
          memoryUsage: 61.25,
          timestamp: new Date().toISOString(),
        },
      });
      expect(beat.status).toBe(200);
      const released = await releaseSession(w, 'una-session-09');
      expect(released.status).toBe(200);

      const activity = (type: string) =>
        ingest.events.find(
          (event) => event.kind === 'activity' && event.type === type && event.sessionId === 'una-session-09',
        );
      expect(await until('the launch', () => activity('launch'))).toMatchObject({
        userId: w.user.user.id,
        username: 'una-one',
        workspaceId: w.launch.workspaceId,
        appId: w.launch.appId,
      });
      expect(await until('the end', () => activity('end'))).toMatchObject({ detail: 'session-ended' });
      const sample = (metric: string) =>
        ingest.events.find(
          (event) => event.kind === 'sample' && event.metric === metric && event.node === backend,
        );
      expect(await until('node.cpu', () => sample('node.cpu'))).toMatchObject({ value: 37.5 });
      expect(sample('node.memory')).toMatchObject({ value: 61.25 });
      expect(sample('node.sessions')).toMatchObject({ value: 1 });
      // No licence is configured here: no seat is taken and none can be.
      const seats = await until('the licence seats', () =>
        ingest.events.find((event) => event.kind === 'sample' && event.metric === 'licence.capacity'),
      );
      expect(seats).toMatchObject({ value: 0 });
    });

    it("answers 409 when the workspace's cap is reached, and frees the slot on release (idempotent)", async () => {
      expect((await select(w, 'una-session-02', w.launch)).status).toBe(200);
      const full = await select(w, 'una-session-03', w.launch);
      expect(full.status).toBe(409);
      expect(full.body.error.message).toMatch(/^workspace-full:/);
      const release = () => releaseSession(w, 'una-session-02');
      expect((await release()).body).toEqual({ success: true, sessionId: 'una-session-02' });
      expect((await release()).body).toEqual({ success: true, sessionId: 'una-session-02' });
      const ended = await sessionStatus(w, 'una-session-02');
      expect(ended.body).toMatchObject({ state: 'ended', endedReason: 'session-ended' });
      // Its host is told once, so the streamer ends too.
      const told = () =>
        backends.flatMap((backend) => backend.ends).filter((end) => end.sessionId === 'una-session-02');
      for (let waited = 0; told().length === 0 && waited < 3_000; waited += 50) {
        await new Promise((done) => setTimeout(done, 50));
      }
      expect(told()).toEqual([
        { sessionId: 'una-session-02', reason: 'session-ended', token: under.backendToken },
      ]);
      expect((await select(w, 'una-session-03', w.launch)).status).toBe(200);
    });

    it('answers 503 with Retry-After when no host carries the tags the workspace needs', async () => {
      const none = await select(w, 'una-gpu-0001', w.gpuLaunch);
      expect(none.status).toBe(503);
      expect(Number(none.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(none.body.error.message).toMatch(/tags gpu/);
    });

    it('keeps a user on the same host within the affinity window, and balances again after it', async () => {
      // una-session-01 and -03 were placed within a second of each other: affinity kept them together.
      expect(await backendOf(w, 'una-session-03')).toBe(await backendOf(w, 'una-session-01'));
      await releaseSession(w, 'una-session-03');
      const pinned = await backendOf(w, 'una-session-01');
      await new Promise((done) => setTimeout(done, 1_200));
      // Past the window, round robin moves on; of two selects one must land on the other host.
      const placed = [];
      for (const id of ['una-session-04', 'una-session-05']) {
        expect((await select(w, id, w.launch)).status).toBe(200);
        placed.push(await backendOf(w, id));
        await releaseSession(w, id);
        await new Promise((done) => setTimeout(done, 1_100));
      }
      expect(placed.some((backend) => backend !== pinned)).toBe(true);
    });

    it('shows administrators the hosts and the sessions, and lets them disconnect one', async () => {
      const hosts = await call<{ items: { serverUrl: string; health: string }[] }>(
        w.gateway.url,
        'GET',
        '/gateway/admin/backends',
        {
          token: w.admin.accessToken,
        },
      );
      expect(hosts.body.items.map((host) => host.serverUrl).sort()).toEqual(
        backends.map((backend) => backend.url).sort(),
      );
      expect(
        (await call(w.gateway.url, 'GET', '/gateway/admin/backends', { token: w.user.accessToken })).status,
      ).toBe(403);
      const disconnect = await call(w.gateway.url, 'DELETE', '/gateway/admin/sessions/una-session-01', {
        token: w.admin.accessToken,
      });
      expect(disconnect.status).toBe(204);
      const status = await sessionStatus(w, 'una-session-01');
      expect(status.body).toMatchObject({ state: 'ended', endedReason: 'admin-disconnect' });
      const licence = await call<{ valid: boolean; problem: string }>(
        w.gateway.url,
        'GET',
        '/gateway/admin/licence',
        {
          token: w.admin.accessToken,
        },
      );
      expect(licence.body).toMatchObject({ valid: false, activeStreamers: 0 });
    });
  });

  describe('on Redis', () => {
    it('keeps sessions when a gateway restarts, and shares them with another gateway', async () => {
      const first = await startGateway({ redis: true });
      for (const backend of backends) await register(first, backend);
      const w = await world(first, 'redis');
      expect((await select(w, 'redis-session-1', w.launch)).status).toBe(200);
      await first.close();

      const second = await startGateway({ redis: true });
      const again = { ...w, gateway: second };
      const status = await sessionStatus(again, 'redis-session-1');
      expect(status.body).toMatchObject({ state: 'reserved' });
      expect((await select(again, 'redis-session-2', w.launch)).status).toBe(200);
      // The workspace's cap of 2 counts the sessions of both gateways.
      expect((await select(again, 'redis-session-3', w.launch)).status).toBe(409);
    });
  });
});
