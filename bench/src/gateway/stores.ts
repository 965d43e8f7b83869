// The gateway suite's figures of one store, memory or Redis: session selects and releases per second, and
// licence check-ins per second, each against a bare GET /gateway/health on the same process.
import { randomBytes } from 'node:crypto';
import { gatewayHealthRoute, streamerCheckinRoute, BACKEND_TOKEN_HEADER } from '@webstream/contracts';
import { closedLoop, type HttpClient, itemOf, type LoadResult, ok, unexpected } from '../iam/load';
import { count, formatNumber, progress } from '../report';
import { type ServiceProcess, sumSeries } from '../service';
import { type GatewayMemory, gatewayMemory, mb } from './gateway-process';
import { RedisConnection } from './redis';
import { type BurstResult, selectReleaseBursts } from './sessions';
import { BURST_SECONDS, type GatewayStage, GUIDS, LICENCE_CAP } from './stage';

const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export type Store = 'memory' | 'Redis';

export interface StoreRun {
  store: Store;
  health: LoadResult;
  sessions: BurstResult;
  checkins: LoadResult;
  memory: { before: GatewayMemory; after: GatewayMemory; selectReleasePairs: number };
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

/** Health, select/release and check-in figures on one gateway. */
export async function measureStore(
  stage: GatewayStage,
  store: Store,
  gateway: ServiceProcess,
  http: HttpClient,
): Promise<StoreRun> {
  const { detail } = stage.context;
  const { clients, timing, failedCalls, guids, releaseOn, healthLoop, liveSessions } = stage;
  const { selectOn } = stage.seeded;
  const { backendToken } = stage.runs;
  const anomaly = stage.anomalies.add;

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
}

export function recordStore(stage: GatewayStage, result: StoreRun, memoryRun?: StoreRun): void {
  const { record } = stage.context;
  const { clients } = stage;

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
  // No target: the figure at 10,000 sessions (memory-figure.ts) is the target's; this one shows what a busy
  // process keeps.
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
}

/** The Redis store's figures, skipped when no Redis answers; `memoryRun`'s figures are their baselines. */
export async function measureRedisStore(stage: GatewayStage, memoryRun: StoreRun): Promise<void> {
  const { cleanup, detail } = stage.context;
  const { launch, stop } = stage.runs;

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
    const redisRun = await measureStore(stage, 'Redis', redis.gateway, redis.http);
    const keys = await RedisConnection.open(REDIS_URL).then(async (connection) => {
      try {
        return (await connection.scan(`${keyPrefix}*`)).length;
      } finally {
        connection.close();
      }
    });
    progress(`  Redis holds ${count(keys)} keys under ${keyPrefix} (ended sessions are kept an hour)`);
    detail('redisStore', { ...redisRun, keyPrefix, keysAfter: keys });
    recordStore(stage, redisRun, memoryRun);
    await stop(redis.gateway, redis.http);
  }
}
