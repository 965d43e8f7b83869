import { randomUUID } from 'node:crypto';
import { closeCodes, type ErrorEnvelope } from '@webstream/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@webstream/testing';
import {
  CLUSTER_SETTINGS,
  type Cluster,
  type ClusterProcess,
  FAILURE_WINDOW_MS,
  startCluster,
  type WebstreamRole,
} from '../src/cluster';
import {
  type Account,
  backendsOn,
  call,
  ClientSession,
  expectAnswer,
  licenceOn,
  login,
  provision,
  releaseAll,
  type Provisioned,
  SessionSocket,
  sessionsOn,
  statusOf,
  streamerPids,
} from '../src/cluster-client';

/** Slack for a loaded two-core machine on top of the product's own timings. */
const SLACK_MS = 4_000;

// Seed 004's gateway pool as real processes (see src/cluster.ts): three gateways sharing Redis behind nginx,
// two session hosts, the metrics engine, IAM standalone. The whole session flow first, then one fault at a
// time, each restoring what it broke, in an order that leaves Redis (whose restart forgets its state) last.
describe('three gateways behind nginx, two session hosts, metrics engine and IAM: faults', () => {
  let cluster: Cluster;
  let setup: Provisioned;
  /** The bootstrap platform admin: the operations views. */
  let admin: string;

  /** The gateway nginx passed a request to ('127.0.0.1:port', the last one tried). */
  const gatewayAt = (upstream: string): WebstreamRole => {
    const address = upstream.split(',').at(-1)!.trim();
    const gateway = cluster.gateways.find((candidate) => candidate.url === `http://${address}`);
    if (gateway === undefined) throw new Error(`no gateway of the run at "${upstream}"`);
    return gateway;
  };
  /** True once `holds` is true of every gateway, else undefined (for until). */
  const everyGateway = async (
    holds: (gateway: WebstreamRole) => Promise<boolean>,
  ): Promise<true | undefined> =>
    (await Promise.all(cluster.gateways.map(holds))).every(Boolean) || undefined;
  const hostsHealthyEverywhere = (what: string, ms = 30_000): Promise<unknown> =>
    until(
      what,
      () =>
        everyGateway(async (gateway) => {
          const backends = await backendsOn(gateway.url, admin);
          return cluster.sessionHosts.every((host) =>
            backends.some((backend) => backend.serverUrl === host.url && backend.health === 'healthy'),
          );
        }),
      ms,
      500,
    );
  /** Sessions a test started: released after it, whatever happened. */
  const started: ClientSession[] = [];
  const track = (session: ClientSession): ClientSession => {
    started.push(session);
    return session;
  };
  const launch = (account: Account): Promise<ClientSession> =>
    track(new ClientSession(cluster.url, account.token, setup.launchable)).launch();
  /** Runs a fault and starts the process again afterwards if the test did not (a failed assertion, say). */
  const restoring = async (member: ClusterProcess, fault: () => Promise<void>): Promise<void> => {
    try {
      await fault();
    } finally {
      if (!member.running) await member.start();
    }
  };
  const failWith = (error: unknown): never => {
    throw new Error(`${String(error)}\n--- processes ---\n${cluster.output().slice(-15_000)}`);
  };

  beforeAll(async () => {
    cluster = await startCluster();
    admin = await login(cluster.iam.url, cluster.admin.username, cluster.admin.password);
    setup = await provision(cluster.iam.url, admin);
    await hostsHealthyEverywhere('both session hosts to be healthy on every gateway').catch(failWith);
  });

  afterEach(() => releaseAll(started));

  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs a session from select to release through nginx, every gateway seeing it in Redis', async () => {
    const user = await setup.account();
    const session = track(new ClientSession(cluster.url, user.token, setup.launchable));
    const selected = await session.select();
    expect(selected.upstream, 'nginx names the gateway it used').toMatch(/^127\.0\.0\.1:\d+/);
    // Every gateway, asked directly, sees the session where the one behind nginx placed it.
    const placements = await Promise.all(
      cluster.gateways.map(async (gateway) =>
        (await sessionsOn(gateway.url, admin)).find((item) => item.sessionId === session.sessionId),
      ),
    );
    expect(placements.map((item) => item?.state)).toEqual(['reserved', 'reserved', 'reserved']);
    expect(new Set(placements.map((item) => item?.backend)).size).toBe(1);
    expect(cluster.sessionHosts.map((host) => host.url)).toContain(placements[0]!.backend);

    await session.connect();
    await session.openSockets();
    const frames = session.capture!.frames.length;
    await session.framesAfter(frames + 2, 'frames that follow the pointer');
    expect(await streamerPids(session.sessionId)).toHaveLength(1);
    // The streamer checked its seat in (through nginx): every gateway counts it.
    await until(
      'the seat to count on every gateway',
      () => everyGateway(async (gateway) => (await licenceOn(gateway.url, admin)).activeStreamers === 1),
      10_000,
      250,
    );
    expect((await session.status()).body).toMatchObject({ state: 'active', backendReachable: true });

    await session.release();
    expect(await session.capture!.waitClosed('the capture socket', 10_000)).toEqual({
      code: closeCodes.SESSION_ENDED.code,
      reason: closeCodes.SESSION_ENDED.reason,
    });
    expect((await session.status()).body).toMatchObject({ state: 'ended', endedReason: 'session-ended' });
    await until(
      'the streamer to exit',
      async () => ((await streamerPids(session.sessionId)).length === 0 ? true : undefined),
      15_000,
    );
    await until(
      'the seat to be checked out',
      () => everyGateway(async (gateway) => (await licenceOn(gateway.url, admin)).activeStreamers === 0),
      10_000,
      250,
    );
    session.closeSockets();
  });

  it('keeps the licensed cap exact when check-ins race across the three gateways', async () => {
    const cap = CLUSTER_SETTINGS.licensedStreamers;
    const checkin = (gateway: WebstreamRole, streamerGuid: string) =>
      call<{ status?: string; activeStreamers?: number; licensedSessions?: number }>(
        gateway.url,
        'POST',
        '/gateway/license/streamer-checkin',
        { headers: { 'x-backend-token': cluster.backendToken }, body: { streamerGuid } },
      );
    const checkout = (gateway: WebstreamRole, streamerGuid: string) =>
      expectAnswer(gateway.url, 'POST', '/gateway/license/streamer-checkout', 200, {
        headers: { 'x-backend-token': cluster.backendToken },
        body: { streamerGuid },
      });
    expect(await licenceOn(cluster.url, admin)).toMatchObject({
      valid: true,
      maxStreamers: cap,
      activeStreamers: 0,
    });

    const guids = Array.from({ length: 5 * cap }, () => randomUUID());
    const answers = await Promise.all(guids.map((guid, i) => checkin(cluster.gateways[i % 3]!, guid)));
    const admitted = guids.filter((_, i) => answers[i]!.status === 200);
    const refused = guids.filter((_, i) => answers[i]!.status === 409);
    try {
      expect(admitted).toHaveLength(cap);
      expect(refused).toHaveLength(guids.length - cap);
      for (const answer of answers.filter((item) => item.status === 200)) {
        expect(answer.body).toMatchObject({ status: 'ok', licensedSessions: cap });
      }
      for (const gateway of cluster.gateways) {
        expect(await licenceOn(gateway.url, admin)).toMatchObject({
          activeStreamers: cap,
          maxStreamers: cap,
        });
      }
      // A seat holder checks in again anywhere; a refused streamer is refused anywhere.
      expect((await checkin(cluster.gateways[2]!, admitted[0]!)).status).toBe(200);
      expect((await checkin(cluster.gateways[1]!, refused[0]!)).status).toBe(409);
      // One seat freed on one gateway is one seat taken on another, once.
      await checkout(cluster.gateways[0]!, admitted[0]!);
      const retries = await Promise.all(
        refused.slice(0, 6).map((guid, i) => checkin(cluster.gateways[(i + 1) % 3]!, guid)),
      );
      expect(retries.filter((answer) => answer.status === 200)).toHaveLength(1);
      expect(retries.filter((answer) => answer.status === 409)).toHaveLength(5);
      admitted[0] = refused[retries.findIndex((answer) => answer.status === 200)]!;
    } finally {
      for (const [i, guid] of admitted.entries()) await checkout(cluster.gateways[i % 3]!, guid);
    }
    expect((await licenceOn(cluster.url, admin)).activeStreamers).toBe(0);
  });

  it('loses no event while the metrics engine is down: audit and usage arrive after its restart', async () => {
    const engine = (path: string) =>
      expectAnswer<{
        items?: { targetId: string; action: string }[];
        rows?: { key: string; sessions: number }[];
      }>(cluster.metricsEngine.url, 'GET', path, 200, { token: cluster.serviceToken });
    const user = await setup.account();
    const outageFrom = new Date(Date.now() - 1_000).toISOString();
    const created: string[] = [];
    let sessionId = '';
    await restoring(cluster.metricsEngine, async () => {
      await cluster.metricsEngine.kill();
      await expect(fetch(`${cluster.metricsEngine.url}/health/live`)).rejects.toThrow();

      // While it is down: IAM changes (audited) and a whole session (metered), none of which waits for it.
      for (let i = 0; i < 5; i += 1) {
        const { body } = await expectAnswer<{ id: string }>(
          cluster.iam.url,
          'POST',
          '/iam/applications',
          201,
          {
            token: admin,
            body: {
              orgId: setup.orgId,
              name: `During the outage ${i} ${randomUUID().slice(0, 6)}`,
              exe: '/usr/bin/true',
            },
          },
        );
        created.push(body.id);
      }
      const session = await launch(user);
      sessionId = session.sessionId;
      await session.release();
      await session.capture!.waitClosed('the capture socket', 10_000);
      await until(
        'the streamer to exit',
        async () => ((await streamerPids(session.sessionId)).length === 0 ? true : undefined),
        15_000,
      );
      await cluster.metricsEngine.start();
    });

    const range = `from=${encodeURIComponent(outageFrom)}&to=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`;
    const arrived = await until(
      'the audit events and the session of the outage to reach the restarted engine',
      async () => {
        const audit = (await engine(`/api/audit?${range}&targetType=application&limit=500`)).body.items ?? [];
        const usage = (await engine(`/api/reports/top?${range}&dimension=user&limit=100`)).body.rows ?? [];
        const running = JSON.stringify((await engine('/api/operations/sessions')).body);
        const audited = audit.filter((item) => created.includes(item.targetId));
        const metered = usage.find((row) => row.key === user.id);
        // The session's end arrived too once the engine no longer counts it as running.
        return audited.length >= created.length && metered !== undefined && !running.includes(sessionId)
          ? { audited, metered }
          : undefined;
      },
      60_000,
      500,
    ).catch(failWith);
    // Exactly once each: a batch retried after the outage is stored once.
    expect(arrived.audited.map((item) => item.targetId).sort()).toEqual([...created].sort());
    expect(arrived.audited.every((item) => item.action === 'application.create')).toBe(true);
    expect(arrived.metered.sessions).toBe(1);
  });

  it('carries a session on through another gateway when its gateway is killed', async () => {
    const user = await setup.account();
    const session = await launch(user);
    const first = session.connection!;
    const [streamer] = await streamerPids(session.sessionId);
    const gateway = gatewayAt((await session.status()).upstream);
    const { backend } = (await sessionsOn(gateway.url, admin)).find(
      (item) => item.sessionId === session.sessionId,
    )!;

    await restoring(gateway, async () => {
      await gateway.kill();
      // The sockets it relayed die with it.
      expect(
        (await session.capture!.waitClosed('the capture socket relayed by the killed gateway', 10_000)).code,
      ).toBe(1006);

      // Through nginx, another gateway answers for the same session from Redis: same streamer, new tickets.
      const status = await session.status();
      expect(gatewayAt(status.upstream)).not.toBe(gateway);
      expect(status.body).toMatchObject({
        state: 'active',
        backendReachable: true,
        streamerGuid: first.streamerGuid,
      });
      const reconnected = await session.connect();
      expect(gatewayAt(reconnected.upstream)).not.toBe(gateway);
      expect(reconnected.body.streamerGuid).toBe(first.streamerGuid);
      expect(reconnected.body.tickets.capture).not.toBe(first.tickets.capture);
      await session.openSockets();
      await session.framesAfter(session.capture!.frames.length + 2, 'frames through the other gateway');
      expect(await streamerPids(session.sessionId)).toEqual([streamer]);
      // The user's affinity is in Redis too: their next session goes to the same host.
      const next = track(new ClientSession(cluster.url, user.token, setup.launchable));
      await next.select();
      expect(
        (await sessionsOn(cluster.url, admin)).find((item) => item.sessionId === next.sessionId)?.backend,
      ).toBe(backend);
      await next.release();

      // Restarted, the gateway has lost nothing: it knows the hosts and the session.
      await gateway.start();
    });
    expect((await statusOf(gateway.url, user.token, session.sessionId)).body).toMatchObject({
      state: 'active',
      streamerGuid: first.streamerGuid,
    });
    await hostsHealthyEverywhere('the restarted gateway to see both hosts healthy');
  });

  it('takes a killed session host out of routing within the failure window and tells the client', async () => {
    const user = await setup.account();
    const session = await launch(user);
    const { backend } = (await sessionsOn(cluster.url, admin)).find(
      (item) => item.sessionId === session.sessionId,
    )!;
    const host = cluster.sessionHosts.find((candidate) => candidate.url === backend)!;
    const other = cluster.sessionHosts.find((candidate) => candidate !== host)!;

    await restoring(host, async () => {
      const killedAt = Date.now();
      await host.kill();
      // The client is told: its streamer, orphaned, ends the session as host-lost, on the socket and at the
      // gateway (the reconnect preflight).
      expect(await session.capture!.waitClosed('the capture socket of the lost host', 10_000)).toEqual({
        code: closeCodes.HOST_LOST.code,
        reason: closeCodes.HOST_LOST.reason,
      });
      const ended = await until(
        'the session to be ended',
        async () => {
          const { body } = await session.status();
          return body.state === 'ended' ? body : undefined;
        },
        10_000,
        250,
      );
      expect(ended).toMatchObject({ endedReason: 'host-lost', backendReachable: false });

      // Every gateway's own health monitor takes it out of routing within the failure window.
      await until(
        'every gateway to mark the host unreachable',
        () =>
          everyGateway(async (gateway) => {
            const found = (await backendsOn(gateway.url, admin)).find((item) => item.serverUrl === host.url);
            return found?.health === 'unreachable';
          }),
        FAILURE_WINDOW_MS + 20_000,
        250,
      );
      expect(Date.now() - killedAt).toBeLessThanOrEqual(FAILURE_WINDOW_MS + SLACK_MS);

      // A new session of the same user (whose affinity names the dead host) goes to the other host, and runs.
      const next = await launch(user);
      expect(
        (await sessionsOn(cluster.url, admin)).find((item) => item.sessionId === next.sessionId)?.backend,
      ).toBe(other.url);
      expect((await next.status()).body).toMatchObject({ state: 'active', backendReachable: true });

      await host.start();
    });
    await hostsHealthyEverywhere('the restarted host to be healthy on every gateway');
  });

  it('keeps limiting with each gateway’s own windows while Redis is down, and recovers once it is back', async () => {
    const user = await setup.account();
    const ops = await setup.account('platform-admin');
    const session = await launch(user);
    const [gatewayA, gatewayB] = cluster.gateways as [WebstreamRole, WebstreamRole];
    const degraded = async (gateway: WebstreamRole): Promise<number | undefined> => {
      const metrics = String(
        (await call(gateway.url, 'GET', '/metrics', { token: cluster.metricsToken })).body,
      );
      const value = /^gateway_rate_limit_redis_degraded(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1];
      return value === undefined ? undefined : Number(value);
    };
    expect(await degraded(gatewayA)).toBe(0);
    const printedBefore = cluster.gateways.map((gateway) => gateway.output().length);

    await restoring(cluster.redis, async () => {
      await cluster.redis.kill();

      // Relayed sockets need no Redis: the session goes on streaming.
      await session.framesAfter(session.capture!.frames.length + 3, 'frames while Redis is down');

      // The limits still hold, each gateway counting alone: exactly the limit, then 429 with every header.
      const limit = 300; // gateway.rateLimits.admin.perIdentity (the default)
      let admitted = 0;
      let refusal: Awaited<ReturnType<typeof call>> | undefined;
      while (refusal === undefined && admitted <= limit) {
        const answer = await call(gatewayA.url, 'GET', '/gateway/admin/websockets', { token: ops.token });
        if (answer.status === 200) admitted += 1;
        else refusal = answer;
      }
      expect(admitted).toBe(limit);
      expect(refusal?.status).toBe(429);
      const headers = refusal!.headers;
      expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(headers.get('x-ratelimit-limit')).toBe(String(limit));
      expect(headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      expect(headers.get('ratelimit-policy')).toContain(`"admin-identity";q=${limit};w=60`);
      expect(headers.get('ratelimit')).toMatch(/"admin-identity";r=0;t=\d+/);
      expect(await degraded(gatewayA)).toBe(1);
      // …while another gateway, with windows of its own, still admits the same user: the documented
      // degradation (the limit holds per gateway, not across the pool).
      const elsewhere = await call(gatewayB.url, 'GET', '/gateway/admin/websockets', { token: ops.token });
      expect(elsewhere.status).toBe(200);

      // What needs the shared state answers 503 with Retry-After, promptly; the load balancers' probe stays OK.
      const askedAt = Date.now();
      const status = await call<ErrorEnvelope>(gatewayB.url, 'GET', '/gateway/session/status', {
        token: user.token,
        sessionId: session.sessionId,
      });
      expect(status.status).toBe(503);
      expect(status.body.error).toMatchObject({ status: 503, code: 'service_unavailable' });
      expect(status.headers.get('retry-after')).toBe('5');
      expect(Date.now() - askedAt).toBeLessThan(10_000);
      // A new WebSocket cannot have its ticket checked: the upgrade is refused, the running ones carry on.
      await expect(
        SessionSocket.open(gatewayB.url, '/capture', randomUUID(), session.sessionId),
      ).rejects.toThrow('answered 503');
      expect((await call(gatewayB.url, 'GET', '/health/ready')).status).toBe(503);
      const health = await call(cluster.url, 'GET', '/gateway/health');
      expect([health.status, health.body]).toEqual([200, 'OK']);
      // Each gateway says so once, in its JSON log.
      await until(
        'every gateway to log the lost connection',
        () =>
          cluster.gateways.every((gateway, i) =>
            gateway.output().slice(printedBefore[i]).includes('lost the connection to Redis'),
          ) || undefined,
        10_000,
      );
      for (const [i, gateway] of cluster.gateways.entries()) {
        const printed = gateway.output().slice(printedBefore[i]);
        expect(printed.match(/"msg":"lost the connection to Redis/g)).toHaveLength(1);
        expect(printed).not.toContain('[ioredis]');
      }

      // Redis back (empty: this one keeps nothing on disk): the hosts register again, sessions can start, the
      // windows are shared again.
      await cluster.redis.start();
    });
    await hostsHealthyEverywhere('the hosts to register again', 30_000);
    await until(
      'the rate limits to use Redis again',
      async () => {
        await call(gatewayA.url, 'GET', '/gateway/admin/backends', { token: user.token });
        return (await degraded(gatewayA)) === 0 ? true : undefined;
      },
      30_000,
      1_000,
    );
    const next = await launch(user);
    expect((await next.status()).body).toMatchObject({ state: 'active', backendReachable: true });
    // The forgotten session still streams (its host and streamer never needed Redis), but no gateway knows it.
    await session.framesAfter(session.capture!.frames.length + 2, 'frames of the forgotten session');
    expect((await session.status()).body).toMatchObject({ state: 'none' });
  });
});
