import { type AdminHealthResponse, type DownstreamService } from '@webstream/contracts';
import { type TestService } from '@webstream/service-kit/testing';
import { call, StandInMetricsEngine, StandInSessionHost, TEST_REDIS_URL, until } from '@webstream/testing';
import { signIn } from '@webstream/testing/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayUnderTest } from './gateway-under-test';
import { deleteKeys, testKeyPrefix } from './redis-keys';

const METRICS_TOKEN = 'metrics-token-'.padEnd(40, 'm');

describe('health aggregation (GET /gateway/admin/health)', () => {
  let under: GatewayUnderTest;
  let gateway: TestService;
  let admin: string;
  const engine = new StandInMetricsEngine();
  const hosts: StandInSessionHost[] = [];
  const redisPrefix = testKeyPrefix();

  const health = async (): Promise<AdminHealthResponse> => {
    const answer = await call<AdminHealthResponse>(gateway.url, 'GET', '/gateway/admin/health', {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const row = (view: AdminHealthResponse, name: string): DownstreamService | undefined =>
    view.services.find((service) => service.name === name);
  /** The next view whose rows all satisfy `wanted`. */
  const healthWhen = (what: string, wanted: (view: AdminHealthResponse) => boolean) =>
    until(what, async () => {
      const view = await health();
      return wanted(view) ? view : undefined;
    });
  const upGauge = async (service: string): Promise<number | undefined> => {
    const text = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    }).then((response) => response.text());
    const line = text.split('\n').find((l) => l.startsWith(`gateway_downstream_up{service="${service}"`));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };

  beforeAll(async () => {
    under = await GatewayUnderTest.prepare('downstream_health');
    await engine.start();
    gateway = await under.start(
      under.config({
        metrics: { bearerToken: METRICS_TOKEN },
        metricsEngine: { url: engine.url },
        redis: { url: TEST_REDIS_URL, keyPrefix: redisPrefix },
        gateway: { healthCheck: { interval: 1, timeout: 1 } },
      }),
    );
    admin = await signIn(gateway.url, 'admin', under.adminPassword);
    for (const mode of ['healthy', 'fail'] as const) {
      const host = await new StandInSessionHost({ backendToken: under.backendToken, mode }).start();
      hosts.push(host);
      const registered = await call(gateway.url, 'POST', '/gateway/register', {
        headers: { 'x-backend-token': under.backendToken },
        body: host.registration(),
      });
      expect(registered.status).toBe(200);
    }
  });

  afterAll(async () => {
    await under?.stop();
    await Promise.all([engine.stop().catch(() => undefined), ...hosts.map((host) => host.stop())]);
    await deleteKeys(redisPrefix);
  });

  it('is for platform administrators only', async () => {
    expect((await call(gateway.url, 'GET', '/gateway/admin/health')).status).toBe(401);
  });

  it('reports IAM, PostgreSQL, Redis, the metrics engine and every session host, each with its latency', async () => {
    const [healthy, failing] = hosts as [StandInSessionHost, StandInSessionHost];
    const view = await healthWhen(
      'both hosts probed to a settled view',
      (v) => row(v, healthy.url)?.status === 'up' && row(v, failing.url)?.status === 'down',
    );
    expect(view.status).toBe('degraded'); // a host is down; nothing the gateway cannot serve without
    expect(view.checkedAt).not.toBeNull();
    expect(row(view, 'IAM')).toMatchObject({ kind: 'iam', url: 'in-process', status: 'up' });
    const postgres = row(view, 'PostgreSQL (IAM)')!;
    expect(postgres).toMatchObject({ kind: 'postgresql', status: 'up' });
    expect(postgres.url).toMatch(/^postgres(ql)?:\/\/[^@]+$/); // where, never who with which password
    expect(row(view, 'Redis')).toMatchObject({ kind: 'redis', status: 'up' });
    expect(row(view, 'metrics engine')).toMatchObject({
      kind: 'metrics-engine',
      url: engine.url,
      status: 'up',
    });
    expect(row(view, failing.url)).toMatchObject({
      kind: 'session-host',
      detail: expect.stringMatching(/^unreachable/),
    });
    for (const service of view.services) expect(service.latencyMs).toEqual(expect.any(Number));
    expect(await upGauge('metrics engine')).toBe(1);
    expect(await upGauge(failing.url)).toBe(0);
  });

  it('answers from its timed checks: asking often starts no probe of its own', async () => {
    await until('a first readiness probe', () => engine.readinessProbes > 0);
    const before = engine.readinessProbes;
    const startedAt = Date.now();
    for (let i = 0; i < 20; i++) await health();
    const seconds = (Date.now() - startedAt) / 1000;
    // One probe a second (healthCheck.interval) at most, however many views were asked for meanwhile.
    expect(engine.readinessProbes - before).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
  });

  it('follows a dependency that stops answering', async () => {
    engine.ready = false;
    const notReady = await healthWhen(
      'the engine not ready',
      (v) => row(v, 'metrics engine')?.status === 'degraded',
    );
    expect(row(notReady, 'metrics engine')!.detail).toBe('not ready: HTTP 503');
    await engine.stop();
    const down = await healthWhen('the engine down', (v) => row(v, 'metrics engine')?.status === 'down');
    expect(down.status).toBe('degraded'); // the gateway serves on; its telemetry spools
    expect(await upGauge('metrics engine')).toBe(0);
  });
});
