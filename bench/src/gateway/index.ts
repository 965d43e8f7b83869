// bench/gateway: session selections and releases per second, and licence check-ins per second, on one gateway
// with its state in memory and then in Redis, each against a bare GET /gateway/health on the same process;
// and the gateway's memory with 10,000 sessions reserved. The real gateway (built-in IAM) runs as a child
// process on a fresh database; the session hosts are stand-ins in the bench process.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  adminSessionsRoute,
  gatewayHealthRoute,
  sessionReleaseRoute,
  streamerCheckinRoute,
  BACKEND_TOKEN_HEADER,
} from '@webstream/contracts';
import { anomalyLog } from '../anomalies';
import { type CallOutcome, closedLoop, type HttpClient, type LoadResult, unexpected } from '../iam/load';
import { count, formatNumber, progress } from '../report';
import { type ServiceProcess, sumSeries } from '../service';
import { type Suite, type SuiteContext } from '../suite';
import { ACCESS_TOKEN_TTL, collectGarbage, type GatewayMemory, gatewayMemory } from './gateway-process';
import { gatewayRuns } from './gateway-runs';
import { FakeSessionHosts, HEARTBEAT_INTERVAL_MS } from './hosts';
import { seedGateway } from './seeded';
import { RedisConnection } from './redis';
import { type BurstResult, releaseAll, reserveMany, selectReleaseBursts } from './sessions';

/** Seed 002's ceiling for a gateway's memory, applied at 10,000 sessions. */
export const TARGET_GATEWAY_RSS_MB = 512;
/** Sessions held at once for the memory figure. */
export const MEMORY_SESSIONS = 10_000;
const USERS = 16;
const HOSTS = 2;
/** The contract's most per host; the fake hosts never fill up (their heartbeats reset the pins every second). */
const HOST_MAX_SESSIONS = 10_000;
/** gateway.maxSessionsPerUser: enough for every user to hold all 10,000 sessions. */
const MAX_SESSIONS_PER_USER = MEMORY_SESSIONS;
/** Streamers re-checking in, and the licence's cap (far above them, so none is ever refused). */
const GUIDS = 1_000;
const LICENCE_CAP = 100_000;
/** Seconds of selects in one burst; every session a burst made is released before the next one. */
const BURST_SECONDS = 1;
const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const MB = 1024 * 1024;

type Store = 'memory' | 'Redis';

interface StoreRun {
  store: Store;
  health: LoadResult;
  sessions: BurstResult;
  checkins: LoadResult;
  memory: { before: GatewayMemory; after: GatewayMemory; selectReleasePairs: number };
}

/** Client c's k-th item of `total`: c, c + clients, c + 2 × clients, ... (no two clients share one). */
function itemOf(client: number, k: number, clients: number, total: number): number {
  const own = Math.ceil((total - client) / clients);
  return client + (k % own) * clients;
}

function ok(): CallOutcome {
  return { ok: true };
}

function mb(bytes: number): number {
  return bytes / MB;
}

async function redisReachable(url: string): Promise<string | undefined> {
  try {
    const redis = await RedisConnection.open(url);
    try {
      const pong = await redis.command('PING');
      return pong === 'PONG' ? undefined : `PING answered ${JSON.stringify(pong)}`;
    } finally {
      redis.close();
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function run(context: SuiteContext): Promise<void> {
  const { options, postgres, cleanup, record, detail } = context;
  const clients = options.clients;
  const users = Math.max(USERS, clients);
  const seconds = options.seconds;
  const warmupSeconds = options.quick ? 1 : 2;
  const timing = { clients, warmupSeconds, seconds };
  const anomalies = anomalyLog(context, 'gateway');
  const anomaly = anomalies.add;
  const failedCalls = (label: string, failed: number, problems: Record<string, number>): void =>
    anomalies.failedCalls({ label, failed, problems });

  const workDir = await mkdtemp(join(tmpdir(), 'webstream-bench-gateway-'));
  cleanup.add('remove the temporary folder', () => rm(workDir, { recursive: true, force: true }));
  const database = await postgres.createDatabase('ws_bench_gateway');
  cleanup.add('drop the gateway bench database', () => database.drop());
  const hosts = await FakeSessionHosts.start(HOSTS, HOST_MAX_SESSIONS);
  cleanup.add('stop the fake session hosts', () => hosts.close());

  detail('configuration', {
    clients,
    users,
    warmupSeconds,
    seconds,
    burstSeconds: BURST_SECONDS,
    hosts: { count: HOSTS, maxSessions: HOST_MAX_SESSIONS, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS },
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    licence: { kind: 'development', maxStreamers: LICENCE_CAP },
    guids: GUIDS,
    memorySessions: MEMORY_SESSIONS,
    accessTokenTtl: ACCESS_TOKEN_TTL,
  });
  progress(
    `gateway configuration: built-in IAM, gateway.maxSessionsPerUser ${count(MAX_SESSIONS_PER_USER)}, a development licence for ${count(LICENCE_CAP)} streamers, ${HOSTS} fake session hosts (maxSessions ${count(HOST_MAX_SESSIONS)}, heartbeat every ${HEARTBEAT_INTERVAL_MS / 1000} s reporting 0 active sessions)`,
  );

  const printed: Record<string, unknown> = {};
  detail('gatewayOutput', printed);
  const { admin, backendToken, launch, stop } = await gatewayRuns({
    databaseUrl: database.url,
    cwd: workDir,
    licenceCap: LICENCE_CAP,
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    hosts,
    cleanup,
    connections: clients,
    anomaly,
    printed,
  });

  // 1. The memory-store gateway, seeded through its built-in IAM's API.
  const memory = await launch('gateway (memory)');
  const { data, tokens, adminToken, selectOn } = await seedGateway(memory.http, admin, users, anomaly);
  detail('seed', {
    organization: data.organization.slug,
    users: data.users.length,
    workspaceId: data.workspace.id,
    workspaceMaxSessions: data.workspace.maxSessions,
    applicationId: data.application.id,
    entitlementId: data.entitlement.id,
  });
  if (data.workspace.maxSessions !== null)
    throw new Error(`the bench workspace has a session cap (${data.workspace.maxSessions})`);
  const guids = Array.from({ length: GUIDS }, () => randomUUID());

  const releaseOn =
    (http: HttpClient) =>
    async (client: number, sessionId: string): Promise<CallOutcome> => {
      const answer = await http.send(sessionReleaseRoute.method, sessionReleaseRoute.path, {
        bearer: tokens[client % users]!,
        json: { sessionId },
      });
      return answer.status === 200 && answer.body.startsWith('{"success":true') ? ok() : unexpected(answer);
    };
  const healthLoop = (gateway: ServiceProcess, http: HttpClient, label: string): Promise<LoadResult> =>
    closedLoop({
      label,
      ...timing,
      service: gateway,
      call: async () => {
        const answer = await http.send(gatewayHealthRoute.method, gatewayHealthRoute.path);
        return answer.status === 200 && answer.body === 'OK' ? ok() : unexpected(answer);
      },
    });
  /** The sessions the gateway holds, as its platform admin sees them. */
  const liveSessions = async (http: HttpClient): Promise<number> => {
    const answer = await http.send(adminSessionsRoute.method, adminSessionsRoute.path, {
      bearer: adminToken,
    });
    if (answer.status !== 200) throw new Error(`GET ${adminSessionsRoute.path} answered ${answer.status}`);
    return (JSON.parse(answer.body) as { items: unknown[] }).items.length;
  };

  /** Health, select/release and check-in figures on one gateway. */
  const measureStore = async (store: Store, gateway: ServiceProcess, http: HttpClient): Promise<StoreRun> => {
    const memoryBefore = await gatewayMemory(gateway);
    const health = await healthLoop(gateway, http, `GET ${gatewayHealthRoute.path} (${store} store)`);
    failedCalls(health.label, health.failed, health.problems);
    const reservedBefore = sumSeries(await gateway.scrape(), 'gateway_session_selections_total', {
      outcome: 'reserved',
    });
    const sessions = await selectReleaseBursts({
      label: `session select + release (${store} store)`,
      ...timing,
      burstSeconds: BURST_SECONDS,
      service: gateway,
      select: selectOn(http),
      release: releaseOn(http),
    });
    failedCalls(sessions.label, sessions.failed, sessions.problems);
    const selections = await gateway.scrape();
    const reserved = sumSeries(selections, 'gateway_session_selections_total', { outcome: 'reserved' });
    const otherOutcomes =
      sumSeries(selections, 'gateway_session_selections_total', {}) -
      sumSeries(selections, 'gateway_session_selections_total', { outcome: 'reserved' });
    progress(`  the gateway counted ${count(reserved - reservedBefore)} reservations (warm-up included)`);
    if (otherOutcomes > 0)
      anomaly(
        `${store} store: the gateway counted ${count(otherOutcomes)} selections not ending in a reservation`,
      );
    const left = await liveSessions(http);
    if (left !== 0) anomaly(`${store} store: ${count(left)} sessions still live after every release`);
    const memoryAfterSessions = await gatewayMemory(gateway);
    progress(
      `  ${gateway.name} memory before the health loop: RSS ${formatNumber(mb(memoryBefore.rssBytes))} MB, heap used ${formatNumber(mb(memoryBefore.heapUsedBytes ?? 0))} MB; after ${count(reserved - reservedBefore)} select/release pairs: RSS ${formatNumber(mb(memoryAfterSessions.rssBytes))} MB, heap used ${formatNumber(mb(memoryAfterSessions.heapUsedBytes ?? 0))} MB`,
    );

    const checkins = await closedLoop({
      label: `licence check-ins (${store} store), ${count(GUIDS)} GUIDs under a cap of ${count(LICENCE_CAP)}`,
      ...timing,
      service: gateway,
      call: async (c, k) => {
        const answer = await http.send(streamerCheckinRoute.method, streamerCheckinRoute.path, {
          json: { streamerGuid: guids[itemOf(c, k, clients, GUIDS)]! },
          headers: { [BACKEND_TOKEN_HEADER]: backendToken },
        });
        return answer.status === 200 && answer.body.startsWith('{"status":"ok"') ? ok() : unexpected(answer);
      },
    });
    failedCalls(checkins.label, checkins.failed, checkins.problems);
    const seats = sumSeries(await gateway.scrape(), 'gateway_licence_active_streamers', {});
    progress(`  the gateway holds ${count(seats)} licence seats`);
    if (seats !== GUIDS)
      anomaly(`${store} store: ${count(seats)} licence seats held for ${count(GUIDS)} GUIDs`);
    const memoryAfter = await gatewayMemory(gateway);
    detail(`${store.toLowerCase()}Memory`, {
      beforeHealth: memoryBefore,
      afterSelectRelease: memoryAfterSessions,
      selectReleasePairs: reserved - reservedBefore,
      afterCheckins: memoryAfter,
    });
    return {
      store,
      health,
      sessions,
      checkins,
      memory: { before: memoryBefore, after: memoryAfter, selectReleasePairs: reserved - reservedBefore },
    };
  };

  const recordStore = (result: StoreRun, memoryRun?: StoreRun): void => {
    const { store, health, sessions, checkins } = result;
    const healthBaseline = {
      name: `GET ${gatewayHealthRoute.path}, same gateway and clients`,
      value: health.perSecond,
    };
    record({
      name: `session select (${store} store), ${clients} clients, ${BURST_SECONDS} s bursts each released after, vs GET /gateway/health`,
      value: sessions.select.perSecond,
      unit: 'selections/s',
      baseline: healthBaseline,
    });
    if (memoryRun) {
      record({
        name: `session select, Redis store vs memory store, ${clients} clients`,
        value: sessions.select.perSecond,
        unit: 'selections/s',
        baseline: { name: 'the same on the memory store', value: memoryRun.sessions.select.perSecond },
      });
    }
    record({
      name: `session select latency p50 (${store} store, ${clients} clients)`,
      value: sessions.select.p50Ms,
      unit: 'ms',
    });
    record({
      name: `session select latency p99 (${store} store, ${clients} clients)`,
      value: sessions.select.p99Ms,
      unit: 'ms',
    });
    record({
      name: `session release (${store} store), ${clients} clients, vs GET /gateway/health`,
      value: sessions.release.perSecond,
      unit: 'releases/s',
      baseline: healthBaseline,
    });
    record({
      name: `session release latency p50 (${store} store, ${clients} clients)`,
      value: sessions.release.p50Ms,
      unit: 'ms',
    });
    record({
      name: `session release latency p99 (${store} store, ${clients} clients)`,
      value: sessions.release.p99Ms,
      unit: 'ms',
    });
    record({
      name: `licence check-in (${store} store), ${count(GUIDS)} GUIDs re-checking in, cap ${count(LICENCE_CAP)}, ${clients} clients, vs GET /gateway/health`,
      value: checkins.perSecond,
      unit: 'check-ins/s',
      baseline: healthBaseline,
    });
    if (memoryRun) {
      record({
        name: `licence check-in, Redis store vs memory store, ${clients} clients`,
        value: checkins.perSecond,
        unit: 'check-ins/s',
        baseline: { name: 'the same on the memory store', value: memoryRun.checkins.perSecond },
      });
    }
    record({
      name: `licence check-in latency p50 (${store} store, ${clients} clients)`,
      value: checkins.p50Ms,
      unit: 'ms',
    });
    record({
      name: `licence check-in latency p99 (${store} store, ${clients} clients)`,
      value: checkins.p99Ms,
      unit: 'ms',
    });
    // No target: the figure at 10,000 sessions below is the target's; this one shows what a busy process keeps.
    record({
      name: `gateway RSS after the runs above (${store} store, ${count(result.memory.selectReleasePairs)} sessions selected and released), vs before them`,
      value: mb(result.memory.after.rssBytes),
      unit: 'MB',
      baseline: {
        name: 'the same gateway before the runs',
        value: mb(result.memory.before.rssBytes),
      },
    });
    record({
      name: `GET /gateway/health (${store} store gateway), ${clients} clients (baseline: any request)`,
      value: health.perSecond,
      unit: 'requests/s',
    });
  };

  const memoryRun = await measureStore('memory', memory.gateway, memory.http);
  detail('memoryStore', memoryRun);
  recordStore(memoryRun);
  await stop(memory.gateway, memory.http);

  // 2. The same on a gateway keeping its state in Redis, under a prefix of this run's.
  const redisProblem = await redisReachable(REDIS_URL);
  if (redisProblem !== undefined) {
    progress(`Redis at ${REDIS_URL} is not reachable (${redisProblem}): the Redis figures are skipped`);
    detail('redisStore', { skipped: redisProblem, url: REDIS_URL });
  } else {
    const keyPrefix = `bench-gateway-${randomBytes(4).toString('hex')}:`;
    cleanup.add(`delete the Redis keys ${keyPrefix}*`, async () => {
      const redis = await RedisConnection.open(REDIS_URL);
      try {
        const deleted = await redis.deletePrefix(keyPrefix);
        progress(`deleted ${count(deleted)} Redis keys under ${keyPrefix}`);
      } finally {
        redis.close();
      }
    });
    progress(`Redis store: ${REDIS_URL}, key prefix ${keyPrefix}`);
    const redis = await launch('gateway (Redis)', { redis: { url: REDIS_URL, keyPrefix } });
    const redisRun = await measureStore('Redis', redis.gateway, redis.http);
    const keys = await RedisConnection.open(REDIS_URL).then(async (connection) => {
      try {
        return (await connection.scan(`${keyPrefix}*`)).length;
      } finally {
        connection.close();
      }
    });
    progress(`  Redis holds ${count(keys)} keys under ${keyPrefix} (ended sessions are kept an hour)`);
    detail('redisStore', { ...redisRun, keyPrefix, keysAfter: keys });
    recordStore(redisRun, memoryRun);
    await stop(redis.gateway, redis.http);
  }

  // 3. Memory: a fresh gateway (memory store), at rest with the hosts registered, then holding 10,000 sessions.
  // Each reading is taken twice: as the process stands (RSS, the target's figure), then after a full garbage
  // collection in the gateway (SIGUSR2, see collectGarbage), so the heap figures are what it retains, not the
  // garbage a load happened to leave.
  const held = await launch(`gateway (${count(MEMORY_SESSIONS)} sessions)`, { gcOnSignal: true });
  const settle = async (): Promise<{ asIs: GatewayMemory; collected: GatewayMemory }> => {
    await sleep(1_000);
    const asIs = await gatewayMemory(held.gateway);
    await collectGarbage(held.gateway);
    return { asIs, collected: await gatewayMemory(held.gateway) };
  };
  const describeMemory = (memory: GatewayMemory): string =>
    `RSS ${formatNumber(mb(memory.rssBytes))} MB, heap used ${formatNumber(mb(memory.heapUsedBytes ?? 0))} MB of ${formatNumber(mb(memory.heapTotalBytes ?? 0))} MB`;
  const describeReading = (reading: { asIs: GatewayMemory; collected: GatewayMemory }): string =>
    `${describeMemory(reading.asIs)}; after a full GC ${describeMemory(reading.collected)}`;
  const atRest = await settle();
  progress(`${held.gateway.name} at rest, ${HOSTS} hosts registered: ${describeReading(atRest)}`);
  progress(
    `reserving ${count(MEMORY_SESSIONS)} sessions (${clients} clients, ${users} users, none released)`,
  );
  const reserving = await reserveMany(MEMORY_SESSIONS, clients, selectOn(held.http));
  failedCalls(`reserving ${count(MEMORY_SESSIONS)} sessions`, reserving.failed, reserving.problems);
  progress(
    `  ${count(reserving.sessions)} reserved in ${reserving.seconds.toFixed(1)} s = ${formatNumber(reserving.perSecond)}/s; select p50 ${formatNumber(reserving.firstThousandP50Ms)} ms over the first thousand, ${formatNumber(reserving.lastThousandP50Ms)} ms over the last`,
  );
  const loaded = await settle();
  const perSession = (key: 'rssBytes' | 'heapUsedBytes'): number | undefined => {
    const after = loaded.collected[key];
    const before = atRest.collected[key];
    return after !== undefined && before !== undefined ? (after - before) / MEMORY_SESSIONS : undefined;
  };
  const rssPerSession = perSession('rssBytes')!;
  const heapPerSession = perSession('heapUsedBytes');
  progress(`  with ${count(MEMORY_SESSIONS)} sessions: ${describeReading(loaded)}`);
  progress(
    `  after GC, over at rest: ${formatNumber(rssPerSession)} bytes of RSS and ${formatNumber(heapPerSession ?? Number.NaN)} bytes of heap a session`,
  );
  const live = await liveSessions(held.http);
  if (live !== MEMORY_SESSIONS)
    anomaly(`the gateway lists ${count(live)} live sessions, ${count(MEMORY_SESSIONS)} were reserved`);
  record({
    name: `gateway RSS with ${count(MEMORY_SESSIONS)} sessions reserved (memory store), vs after start`,
    value: mb(loaded.asIs.rssBytes),
    unit: 'MB',
    baseline: {
      name: `the same gateway after start, ${HOSTS} hosts registered`,
      value: mb(atRest.asIs.rssBytes),
    },
    targets: [{ of: 'value', op: '<=', threshold: TARGET_GATEWAY_RSS_MB }],
  });
  record({
    name: `gateway RSS after start, ${HOSTS} hosts registered (baseline)`,
    value: mb(atRest.asIs.rssBytes),
    unit: 'MB',
  });
  record({
    name: `gateway RSS after a full GC with ${count(MEMORY_SESSIONS)} sessions reserved, vs after start and GC`,
    value: mb(loaded.collected.rssBytes),
    unit: 'MB',
    baseline: { name: 'the same gateway after start, after a full GC', value: mb(atRest.collected.rssBytes) },
    targets: [{ of: 'value', op: '<=', threshold: TARGET_GATEWAY_RSS_MB }],
  });
  record({
    name: `gateway RSS growth per reserved session (${count(MEMORY_SESSIONS)} sessions, after GC)`,
    value: rssPerSession,
    unit: 'bytes',
  });
  if (
    heapPerSession !== undefined &&
    loaded.collected.heapUsedBytes !== undefined &&
    atRest.collected.heapUsedBytes !== undefined
  ) {
    record({
      name: `gateway V8 heap used after a full GC with ${count(MEMORY_SESSIONS)} sessions reserved, vs at rest`,
      value: mb(loaded.collected.heapUsedBytes),
      unit: 'MB',
      baseline: { name: 'the same gateway after start', value: mb(atRest.collected.heapUsedBytes) },
    });
    record({
      name: `gateway heap retained per reserved session (${count(MEMORY_SESSIONS)} sessions, after GC)`,
      value: heapPerSession,
      unit: 'bytes',
    });
  }

  // What a select costs once the store holds 10,000 sessions (bursts on top of them, released after), then,
  // on the same process, once every session is released again.
  const burstsOn = (label: string) =>
    selectReleaseBursts({
      label,
      ...timing,
      burstSeconds: BURST_SECONDS,
      service: held.gateway,
      select: selectOn(held.http),
      release: releaseOn(held.http),
    });
  const crowded = await burstsOn(
    `session select + release with ${count(MEMORY_SESSIONS)} sessions live (memory store)`,
  );
  failedCalls(crowded.label, crowded.failed, crowded.problems);
  progress(`releasing the ${count(MEMORY_SESSIONS)} sessions`);
  const releasing = await releaseAll(reserving.sessionIds, clients, releaseOn(held.http));
  failedCalls(`releasing ${count(MEMORY_SESSIONS)} sessions`, releasing.failed, releasing.problems);
  progress(
    `  released in ${releasing.seconds.toFixed(1)} s = ${formatNumber(releasing.perSecond)}/s; the gateway lists ${count(await liveSessions(held.http))} live sessions`,
  );
  const emptied = await burstsOn('session select + release, every other session released (memory store)');
  failedCalls(emptied.label, emptied.failed, emptied.problems);
  record({
    name: `session select with ${count(MEMORY_SESSIONS)} other sessions live (memory store), ${clients} clients, vs none live (same process)`,
    value: crowded.select.perSecond,
    unit: 'selections/s',
    baseline: { name: 'the same once every session is released', value: emptied.select.perSecond },
  });
  // The memory store keeps each released session's record for ENDED_SESSION_RETENTION_SECONDS (an hour), so
  // that a reconnect can learn how it ended: what that costs the heap once every session is released.
  const released = await settle();
  // Every session this gateway ever reserved has been released: its count of reservations is theirs.
  const endedRecords = sumSeries(await held.gateway.scrape(), 'gateway_session_selections_total', {
    outcome: 'reserved',
  });
  const heapPerEnded =
    released.collected.heapUsedBytes !== undefined && atRest.collected.heapUsedBytes !== undefined
      ? (released.collected.heapUsedBytes - atRest.collected.heapUsedBytes) / endedRecords
      : undefined;
  progress(
    `  after releasing everything (${count(endedRecords)} ended sessions): ${describeReading(released)}`,
  );
  if (heapPerEnded !== undefined) {
    record({
      name: `gateway heap still held per released session, ${count(endedRecords)} released and none live (memory store, after GC)`,
      value: heapPerEnded,
      unit: 'bytes',
    });
  }
  detail('memoryFigure', {
    atRest,
    loaded,
    rssPerSession,
    heapPerSession,
    reserving: { ...reserving, sessionIds: undefined },
    crowded,
    releasing,
    emptied,
    released,
    endedRecords,
    heapPerEnded,
  });
  detail('hostProbes', hosts.probes);
  await stop(held.gateway, held.http);

  anomalies.conclude('every call got the expected answer, nothing logged at warn or above');
}

export const gatewaySuite: Suite = {
  name: 'gateway',
  description:
    'gateway: session selects and releases/s and licence check-ins/s (memory and Redis store) vs GET /gateway/health, RSS at 10,000 sessions',
  run,
};
