import { randomBytes } from 'node:crypto';
import { webstreamConfigSchema, type WebstreamConfig } from '@webstream/config';
import {
  type ErrorEnvelope,
  type HeartbeatRequest,
  type RegisterRequest,
  type RegisterResponse,
} from '@webstream/contracts';
import { type TestService } from '@webstream/service-kit/testing';
import { Redis } from 'ioredis';
import {
  type Answer,
  call as request,
  sleep,
  StandInSessionHost,
  type StandInHealthMode,
  TEST_REDIS_URL,
  until,
} from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendDirectory, type BackendView } from '../src/backends/backend-directory';
import { BackendStore } from '../src/backends/backend-store';
import { BackendsModule } from '../src/backends/backends.module';
import { MemoryBackendStore } from '../src/backends/memory-backend-store';
import { RedisBackendStore } from '../src/backends/redis-backend-store';
import { startBackendFacingGateway } from './backend-facing-gateway';
import { deleteKeys, testKeyPrefix } from './redis-keys';

const TOKEN = 'backend-token-'.padEnd(40, 'x');

const METRICS_TOKEN = 'm'.repeat(32);

function configFor(overrides: { gateway?: Record<string, unknown>; redis?: Record<string, unknown> } = {}) {
  const { backend, healthCheck, ...gateway } = overrides.gateway ?? {};
  return webstreamConfigSchema.parse({
    logging: { level: 'silent' },
    metrics: { bearerToken: METRICS_TOKEN },
    gateway: {
      ...gateway,
      backend: { token: TOKEN, ...(backend as object | undefined) },
      healthCheck: { interval: 3, ...(healthCheck as object | undefined) },
    },
    ...(overrides.redis ? { redis: overrides.redis } : {}),
  });
}

function startGateway(config: WebstreamConfig): Promise<TestService> {
  return startBackendFacingGateway(config, BackendsModule);
}

/** A POST as a session host makes it, with the backend token unless `headers` say otherwise. */
async function call(
  gateway: TestService,
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'x-backend-token': TOKEN },
): Promise<Pick<Answer<unknown>, 'status' | 'body'>> {
  const { status, body: answer } = await request(gateway.url, 'POST', path, { body, headers });
  return { status, body: answer };
}

function registration(serverUrl: string, overrides: Partial<RegisterRequest> = {}): RegisterRequest {
  return {
    serverUrl,
    maxSessions: 10,
    instanceType: 'c5.xlarge',
    ec2InstanceId: null,
    tags: ['linux'],
    capabilities: ['audio'],
    version: '1.2.3',
    ...overrides,
  };
}

function heartbeat(serverUrl: string, overrides: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return {
    serverUrl,
    status: 'healthy',
    activeSessions: 0,
    maxSessions: 10,
    instanceType: 'c5.xlarge',
    tags: ['linux'],
    cpuUsage: 12.5,
    memoryUsage: 40,
    timestamp: new Date().toISOString(),
    ...overrides,
  };
}

/** Every gap between consecutive probes lies in [min, max) milliseconds. */
/**
 * The widest gaps that still tell the intervals apart (1 s unstable, the 3 s healthCheck.interval here, against a
 * longer default): wide, because a busy machine delays a timer, never makes it early.
 */
const UNSTABLE_GAP_MAX_MS = 2_500;
// A probe delayed by a busy event loop leaves a shorter gap to the next one, which keeps its schedule (one seen
// at 843 ms in CI); half the 1 s interval still tells it from probes fired back to back.
const UNSTABLE_GAP_MIN_MS = 500;
const STABLE_GAP_MAX_MS = 6_000;
// Likewise for the 3 s stable interval: above 2 s still tells it from the 1 s unstable one.
const STABLE_GAP_MIN_MS = 2_000;

function expectGaps(gaps: number[], min: number, max: number): void {
  expect(gaps.length).toBeGreaterThan(0);
  for (const gap of gaps) {
    expect(gap).toBeGreaterThanOrEqual(min);
    expect(gap).toBeLessThan(max);
  }
}

async function metricsOf(gateway: TestService): Promise<string> {
  return (
    await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
}

/** The value of a series whose labels include all of `labels`, or undefined when there is none. */
function seriesValue(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

const unused = () => `http://127.0.0.1:9/${randomBytes(4).toString('hex')}`;

describe('backend registry', () => {
  let gateway: TestService;
  let directory: BackendDirectory;
  const fakes: StandInSessionHost[] = [];

  async function fake(mode: StandInHealthMode = 'healthy'): Promise<StandInSessionHost> {
    const backend = await new StandInSessionHost({ backendToken: TOKEN, mode }).start();
    fakes.push(backend);
    return backend;
  }

  beforeAll(async () => {
    gateway = await startGateway(configFor());
    directory = gateway.app.get(BackendDirectory);
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all(fakes.map((backend) => backend.stop()));
  });

  it('keeps its records in memory without redis.url', () => {
    expect(gateway.app.get(BackendStore)).toBeInstanceOf(MemoryBackendStore);
  });

  it('registers a backend and lists it with the defaults before its first heartbeat', async () => {
    const serverUrl = unused();
    const before = Date.now();
    const answer = await call(
      gateway,
      '/gateway/register',
      registration(serverUrl, { ec2InstanceId: 'i-0abc' }),
    );
    expect(answer).toEqual({
      status: 200,
      body: { registered: true, serverUrl, heartbeatInterval: 10 } satisfies RegisterResponse,
    });
    const view = await directory.get(serverUrl);
    expect(view).toMatchObject({
      serverUrl,
      maxSessions: 10,
      activeSessions: 0,
      pendingSessions: 0,
      instanceType: 'c5.xlarge',
      tags: ['linux'],
      capabilities: ['audio'],
      status: 'healthy',
      ec2InstanceId: 'i-0abc',
      version: '1.2.3',
      cpuUsage: null,
      memoryUsage: null,
    } satisfies Partial<BackendView>);
    expect(['unknown', 'unstable']).toContain(view!.health);
    expect(Date.parse(view!.registeredAt)).toBeGreaterThanOrEqual(before);
    expect(view!.lastSeenAt).toBe(view!.registeredAt);
    expect((await directory.list()).filter((backend) => backend.serverUrl === serverUrl)).toHaveLength(1);
    await call(gateway, '/gateway/unregister', { serverUrl });
  });

  it('treats registering again (with or without a trailing slash) as an update of the same backend', async () => {
    const serverUrl = unused();
    await call(gateway, '/gateway/register', registration(serverUrl));
    const first = (await directory.get(serverUrl))!;
    await sleep(5);
    const again = await call(
      gateway,
      '/gateway/register',
      registration(`${serverUrl}/`, { maxSessions: 20, tags: ['gpu'], version: '1.2.4' }),
    );
    expect(again).toMatchObject({ status: 200, body: { registered: true, serverUrl } });
    const listed = (await directory.list()).filter((backend) => backend.serverUrl === serverUrl);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ maxSessions: 20, tags: ['gpu'], version: '1.2.4' });
    expect(listed[0]!.registeredAt).toBe(first.registeredAt);
    expect(Date.parse(listed[0]!.lastSeenAt)).toBeGreaterThan(Date.parse(first.lastSeenAt));
    await call(gateway, '/gateway/unregister', { serverUrl });
  });

  it('applies a heartbeat to the record', async () => {
    const serverUrl = unused();
    await call(gateway, '/gateway/register', registration(serverUrl));
    const answer = await call(
      gateway,
      '/gateway/heartbeat',
      heartbeat(serverUrl, { status: 'degraded', activeSessions: 3, maxSessions: 12, cpuUsage: 91.5 }),
    );
    expect(answer).toEqual({ status: 200, body: { acknowledged: true } });
    expect(await directory.get(serverUrl)).toMatchObject({
      status: 'degraded',
      activeSessions: 3,
      maxSessions: 12,
      cpuUsage: 91.5,
      memoryUsage: 40,
      version: '1.2.3',
    });
    await call(gateway, '/gateway/unregister', { serverUrl });
  });

  it('answers 404 to a heartbeat from a host it does not know, so the host registers again', async () => {
    const answer = await call(gateway, '/gateway/heartbeat', heartbeat(unused()));
    expect(answer.status).toBe(404);
    expect((answer.body as ErrorEnvelope).error).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('unregisters a backend: gone from the directory, then unknown', async () => {
    const serverUrl = unused();
    await call(gateway, '/gateway/register', registration(serverUrl));
    expect(await call(gateway, '/gateway/unregister', { serverUrl })).toEqual({
      status: 200,
      body: { success: true },
    });
    expect(await directory.get(serverUrl)).toBeUndefined();
    expect((await directory.list()).some((backend) => backend.serverUrl === serverUrl)).toBe(false);
    expect(directory.health(serverUrl)).toBe('unreachable');
    expect(await call(gateway, '/gateway/unregister', { serverUrl })).toEqual({
      status: 200,
      body: { success: false },
    });
    expect((await call(gateway, '/gateway/heartbeat', heartbeat(serverUrl))).status).toBe(404);
  });

  it('refuses every internal call without X-Backend-Token, even with a browser Bearer token', async () => {
    const serverUrl = unused();
    const cases: [string, unknown][] = [
      ['/gateway/register', registration(serverUrl)],
      ['/gateway/heartbeat', heartbeat(serverUrl)],
      ['/gateway/unregister', { serverUrl }],
    ];
    for (const [path, body] of cases) {
      for (const headers of [
        {},
        { authorization: `Bearer ${TOKEN}` },
        { 'x-backend-token': `${TOKEN}y` },
      ] as Record<string, string>[]) {
        const answer = await call(gateway, path, body, headers);
        expect(answer.status, `${path} with ${JSON.stringify(Object.keys(headers))}`).toBe(401);
        expect((answer.body as ErrorEnvelope).error.code).toBe('unauthorized');
      }
    }
    expect(await directory.get(serverUrl)).toBeUndefined();
  });

  it('answers 400 naming the wrong field, and changes nothing', async () => {
    const serverUrl = unused();
    const cases: [string, unknown, string][] = [
      ['/gateway/register', { ...registration(serverUrl), maxSessions: 0 }, 'maxSessions'],
      ['/gateway/register', { ...registration(serverUrl), serverUrl: 'ftp://host' }, 'serverUrl'],
      ['/gateway/register', { ...registration(serverUrl), colour: 'blue' }, 'colour'],
      ['/gateway/register', { ...registration(serverUrl), tags: ['ok', ''] }, 'tags[1]'],
      ['/gateway/heartbeat', { ...heartbeat(serverUrl), status: 'sleeping' }, 'status'],
      ['/gateway/heartbeat', { ...heartbeat(serverUrl), cpuUsage: 101 }, 'cpuUsage'],
      ['/gateway/unregister', {}, 'serverUrl'],
    ];
    for (const [path, body, field] of cases) {
      const answer = await call(gateway, path, body);
      expect(answer.status, `${path} ${field}`).toBe(400);
      const error = (answer.body as ErrorEnvelope).error;
      expect(error.code).toBe('validation_failed');
      expect(error.fields?.map((entry) => entry.path)).toContain(field);
    }
    expect(await directory.get(serverUrl)).toBeUndefined();
  });

  it('counts pinned sessions as pending until the next heartbeat', async () => {
    const serverUrl = unused();
    await call(gateway, '/gateway/register', registration(serverUrl));
    await directory.notePinned(serverUrl);
    await directory.notePinned(`${serverUrl}/`);
    expect(await directory.get(serverUrl)).toMatchObject({ pendingSessions: 2, activeSessions: 0 });
    await call(gateway, '/gateway/heartbeat', heartbeat(serverUrl, { activeSessions: 2 }));
    expect(await directory.get(serverUrl)).toMatchObject({ pendingSessions: 0, activeSessions: 2 });
    await directory.notePinned(serverUrl);
    expect(await directory.get(serverUrl)).toMatchObject({ pendingSessions: 1 });
    await call(gateway, '/gateway/unregister', { serverUrl });
    await directory.notePinned(serverUrl); // gone: nothing to count, no error
    expect(await directory.get(serverUrl)).toBeUndefined();
  });

  it('counts a host whose /health answer breaks the contract as failing, however it says 200', async () => {
    const backend = await fake('malformed');
    await call(gateway, '/gateway/register', registration(backend.url));
    await until('unreachable', () => directory.health(backend.url) === 'unreachable', 60_000, 10);
    backend.mode = 'healthy';
    await until(
      'healthy once it answers as a host',
      () => directory.health(backend.url) === 'healthy',
      60_000,
      10,
    );
  });

  it('probes every second while unstable: unreachable after exactly 4 failures, healthy after 2 successes, then every healthCheck.interval', async () => {
    const backend = await fake('fail');
    backend.observe = () => directory.health(backend.url);
    const backendLabel = { backend: backend.url };
    await call(gateway, '/gateway/register', registration(backend.url));

    // Failing: probed at once, then every second; each probe records the view before it.
    await until('unreachable', () => directory.health(backend.url) === 'unreachable', 60_000, 10);
    expect(backend.probes).toHaveLength(4);
    expect(backend.probes.map((probe) => probe.observed)).toEqual([
      'unknown',
      'unstable',
      'unstable',
      'unstable',
    ]);
    const failingGaps = backend.gaps();
    expectGaps(failingGaps, UNSTABLE_GAP_MIN_MS, UNSTABLE_GAP_MAX_MS);
    let metrics = await metricsOf(gateway);
    expect(seriesValue(metrics, 'gateway_backend_state', backendLabel)).toBe(3);
    expect(
      seriesValue(metrics, 'gateway_backend_probe_duration_seconds_count', {
        ...backendLabel,
        outcome: 'failure',
      }),
    ).toBe(4);
    // Every probe reached the backend: its circuit breaker (half-open by the next probe) rejected none.
    expect(
      seriesValue(metrics, 'gateway_backend_probe_duration_seconds_count', {
        ...backendLabel,
        outcome: 'rejected',
      }),
    ).toBeUndefined();
    const view = await directory.get(backend.url);
    expect(view?.health).toBe('unreachable');

    // Recovering: a 2xx that says degraded is reachable; the second success in a row makes it healthy.
    backend.mode = 'degraded';
    const firstSuccess = backend.probes.length;
    await until('healthy', () => directory.health(backend.url) === 'healthy', 60_000, 10);
    const recovery = backend.probes.slice(firstSuccess);
    expect(recovery.map((probe) => [probe.mode, probe.observed])).toEqual([
      ['degraded', 'unreachable'],
      ['degraded', 'unreachable'],
    ]);
    const recoveryGaps = backend.gaps(firstSuccess - 1);
    expectGaps(recoveryGaps, UNSTABLE_GAP_MIN_MS, UNSTABLE_GAP_MAX_MS);
    metrics = await metricsOf(gateway);
    expect(seriesValue(metrics, 'gateway_backend_state', backendLabel)).toBe(1);

    // Stable: probed every healthCheck.interval (3 s).
    const stableFrom = backend.probes.length - 1;
    await until('two stable probes', () => backend.probes.length >= stableFrom + 3, 60_000, 10);
    const stableGaps = backend.gaps(stableFrom);
    expectGaps(stableGaps, STABLE_GAP_MIN_MS, STABLE_GAP_MAX_MS);
    expect(directory.health(backend.url)).toBe('healthy');

    // One failure makes it unstable (still routable), probed every second again.
    backend.mode = 'fail';
    const failedAt = backend.probes.length;
    await until('unstable', () => directory.health(backend.url) === 'unstable', 60_000, 10);
    await until('the next probe', () => backend.probes.length >= failedAt + 2, 60_000, 10);
    const unstableGap = backend.gaps(failedAt)[0]!;
    expect(unstableGap).toBeGreaterThanOrEqual(UNSTABLE_GAP_MIN_MS);
    expect(unstableGap).toBeLessThan(UNSTABLE_GAP_MAX_MS);

    // Unregistered: no more probes, and its series are gone.
    await call(gateway, '/gateway/unregister', { serverUrl: backend.url });
    const probesAtUnregister = backend.probes.length;
    metrics = await metricsOf(gateway);
    expect(seriesValue(metrics, 'gateway_backend_state', backendLabel)).toBeUndefined();
    expect(metrics).not.toContain(`backend="${backend.url}"`);
    await sleep(1_300);
    expect(backend.probes).toHaveLength(probesAtUnregister);
  });
});

describe('backend registry with short timeouts', () => {
  let gateway: TestService;
  let directory: BackendDirectory;
  const fakes: StandInSessionHost[] = [];

  beforeAll(async () => {
    gateway = await startGateway(
      configFor({
        gateway: { backend: { heartbeatInterval: 1, heartbeatTimeout: 2 }, healthCheck: { timeout: 1 } },
      }),
    );
    directory = gateway.app.get(BackendDirectory);
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all(fakes.map((backend) => backend.stop()));
  });

  it('drops a backend whose heartbeats stop for longer than heartbeatTimeout', async () => {
    const backend = await new StandInSessionHost({ backendToken: TOKEN, mode: 'healthy' }).start();
    fakes.push(backend);
    const registered = await call(gateway, '/gateway/register', registration(backend.url));
    expect(registered.body).toMatchObject({ heartbeatInterval: 1 });
    await sleep(1_000);
    const heartbeatSent = Date.now();
    expect((await call(gateway, '/gateway/heartbeat', heartbeat(backend.url))).status).toBe(200);
    const heartbeatAnswered = Date.now();
    await sleep(1_500);
    expect((await directory.list()).map((view) => view.serverUrl)).toContain(backend.url);

    await until(
      'the silent backend to leave the list',
      async () => !(await directory.list()).some((view) => view.serverUrl === backend.url),
    );
    // Out of the list once heartbeatTimeout (2 s) has passed since the gateway took the heartbeat: not before,
    // and well before a second timeout would (2444 ms was seen in a busy CI run, so 2.4 s was no margin).
    const goneAt = Date.now();
    expect(goneAt - heartbeatSent).toBeGreaterThanOrEqual(2_000);
    expect(goneAt - heartbeatAnswered).toBeLessThan(3_500);
    expect(await directory.get(backend.url)).toBeUndefined();
    // Removed from the registry (within a sweep): no longer probed, and a late heartbeat must register again.
    await until(
      'the monitor to forget it',
      () => directory.health(backend.url) === 'unreachable',
      60_000,
      10,
    );
    const probes = backend.probes.length;
    await sleep(1_200);
    expect(backend.probes).toHaveLength(probes);
    expect((await call(gateway, '/gateway/heartbeat', heartbeat(backend.url))).status).toBe(404);
  });

  it('counts a probe that outlives healthCheck.timeout as a failure', async () => {
    const backend = await new StandInSessionHost({ backendToken: TOKEN, mode: 'hang' }).start();
    fakes.push(backend);
    const started = Date.now();
    await call(gateway, '/gateway/register', registration(backend.url));
    await until('the first timeout', () => directory.health(backend.url) === 'unstable', 60_000, 10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const metrics = await metricsOf(gateway);
    expect(
      seriesValue(metrics, 'gateway_backend_probe_duration_seconds_count', {
        backend: backend.url,
        outcome: 'timeout',
      }),
    ).toBe(1);
    await call(gateway, '/gateway/unregister', { serverUrl: backend.url });
  });
});

describe('backend registry shared through Redis', () => {
  const keyPrefix = testKeyPrefix();
  const config = configFor({
    gateway: { backend: { heartbeatInterval: 1, heartbeatTimeout: 2 } },
    redis: { url: TEST_REDIS_URL, keyPrefix },
  });
  let one: TestService;
  let two: TestService;
  let redis: Redis;
  const fakes: StandInSessionHost[] = [];

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    one = await startGateway(config);
    two = await startGateway(config);
  });

  afterAll(async () => {
    await one?.close();
    await two?.close();
    await Promise.all(fakes.map((backend) => backend.stop()));
    await deleteKeys(keyPrefix);
    await redis.quit();
  });

  it('shares registrations, heartbeats, pending counts and unregistration between two gateways', async () => {
    expect(one.app.get(BackendStore)).toBeInstanceOf(RedisBackendStore);
    const backend = await new StandInSessionHost({ backendToken: TOKEN, mode: 'healthy' }).start();
    fakes.push(backend);
    const dirOne = one.app.get(BackendDirectory);
    const dirTwo = two.app.get(BackendDirectory);

    await call(one, '/gateway/register', registration(backend.url, { ec2InstanceId: 'i-0def' }));
    // The host heartbeats (through gateway two) as a real one would, within the short heartbeatTimeout.
    const beating = setInterval(() => void call(two, '/gateway/heartbeat', heartbeat(backend.url)), 500);
    try {
      // Gateway two finds it by re-reading the store and runs its own probes.
      await until(
        'gateway two to see it healthy',
        () => dirTwo.health(backend.url) === 'healthy',
        60_000,
        10,
      );
    } finally {
      clearInterval(beating);
    }
    expect(dirOne.health(backend.url)).toBe('healthy');
    expect(await dirTwo.list()).toEqual([
      expect.objectContaining({
        serverUrl: backend.url,
        ec2InstanceId: 'i-0def',
        status: 'healthy',
        maxSessions: 10,
        health: 'healthy',
      }),
    ]);

    expect(
      (await call(two, '/gateway/heartbeat', heartbeat(backend.url, { activeSessions: 4 }))).status,
    ).toBe(200);
    await dirOne.notePinned(backend.url);
    await dirTwo.notePinned(backend.url);
    expect(await dirTwo.get(backend.url)).toMatchObject({ activeSessions: 4, pendingSessions: 2 });
    expect(await dirOne.get(backend.url)).toMatchObject({ activeSessions: 4, pendingSessions: 2 });
    await call(one, '/gateway/heartbeat', heartbeat(backend.url, { activeSessions: 6 }));
    expect(await dirTwo.get(backend.url)).toMatchObject({ activeSessions: 6, pendingSessions: 0 });

    expect(await call(two, '/gateway/unregister', { serverUrl: backend.url })).toMatchObject({
      body: { success: true },
    });
    expect(await dirOne.list()).toEqual([]);
    await until(
      'gateway one to stop watching it',
      () => dirOne.health(backend.url) === 'unreachable',
      60_000,
      10,
    );
    expect(await redis.keys(`${keyPrefix}backend:*`)).toEqual([]);
  });

  it('keeps every field under concurrent registrations and heartbeats from both gateways', async () => {
    const serverUrl = unused();
    await call(one, '/gateway/register', registration(serverUrl));
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        index % 2 === 0
          ? call(
              index % 4 === 0 ? one : two,
              '/gateway/heartbeat',
              heartbeat(serverUrl, { activeSessions: index }),
            )
          : call(
              index % 4 === 1 ? one : two,
              '/gateway/register',
              registration(serverUrl, { maxSessions: 10 }),
            ),
      ),
    );
    const view = (await two.app.get(BackendDirectory).get(serverUrl))!;
    expect(view).toMatchObject({ serverUrl, maxSessions: 10, instanceType: 'c5.xlarge', version: '1.2.3' });
    expect(view.capabilities).toEqual(['audio']);
    expect(typeof view.activeSessions).toBe('number');
    expect(view.cpuUsage).toBe(12.5);
    await call(one, '/gateway/unregister', { serverUrl });
  });

  it('drops a silent backend for every gateway and removes its keys', async () => {
    const serverUrl = unused();
    const registeredAt = Date.now();
    await call(one, '/gateway/register', registration(serverUrl));
    expect((await two.app.get(BackendDirectory).list()).map((view) => view.serverUrl)).toEqual([serverUrl]);
    await until(
      'the silent backend to leave gateway two',
      async () => (await two.app.get(BackendDirectory).list()).length === 0,
    );
    expect(Date.now() - registeredAt).toBeGreaterThanOrEqual(2_000);
    expect(await one.app.get(BackendDirectory).get(serverUrl)).toBeUndefined();
    await until('the sweep to remove it', async () => (await redis.zcard(`${keyPrefix}backends:seen`)) === 0);
    expect(await redis.keys(`${keyPrefix}backend:*`)).toEqual([]);
    expect((await call(two, '/gateway/heartbeat', heartbeat(serverUrl))).status).toBe(404);
  });
});
