// bench/iam: logins per second against the argon2id hashes the bench process itself manages, and entitlement
// resolutions per second over HTTP (cache on and off, and against a bare health check) and in-process, all
// against the real IAM service on its own fresh database, its audit events going to the real metrics engine.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loginRoute, resolveEntitlementRoute, type TokenResponse } from '@webstream/contracts';
import { MetricsEngineProcess } from '../engine';
import { scalar, withClient } from '../postgres';
import { count, formatNumber, progress } from '../report';
import { randomToken, type ServiceProcess, sumSeries } from '../service';
import { type Suite, type SuiteContext } from '../suite';
import { ARGON2_OPTIONS, argon2Baseline } from './argon2';
import { ACCESS_TOKEN_TTL, startIam, UNTHROTTLED } from './iam-process';
import { bootInProcess, resolveLoop, type TightLoopResult } from './in-process';
import { type CallOutcome, closedLoop, HttpClient, itemOf, type LoadResult, unexpected } from './load';
import { login, resolvePath, seed } from './seed';

/** The target for cached entitlement resolution: over HTTP (standalone IAM) and in-process (builtin). */
export const TARGET_RESOLVES_PER_SECOND = 5_000;
const USERS = 50;
/** IAM's own counter of resolutions, labelled cache="hit" or "miss". */
const RESOLUTIONS = 'iam_entitlement_resolutions_total';

interface CacheUse {
  hits: number;
  misses: number;
}

function cacheUseOf(metrics: string): CacheUse {
  return {
    hits: sumSeries(metrics, RESOLUTIONS, { cache: 'hit' }),
    misses: sumSeries(metrics, RESOLUTIONS, { cache: 'miss' }),
  };
}

async function run(context: SuiteContext): Promise<void> {
  const { options, postgres, cleanup, record, detail } = context;
  const clients = options.clients;
  const users = Math.max(USERS, clients);
  const seconds = options.seconds;
  const warmupSeconds = options.quick ? 1 : 2;
  const timing = { clients, warmupSeconds, seconds };
  /** What looked wrong in IAM while measuring: printed at the end and kept in the JSON file. */
  const anomalies: string[] = [];
  detail('anomalies', anomalies);
  const anomaly = (text: string): void => {
    anomalies.push(text);
    progress(`UNEXPECTED: ${text}`);
  };

  const workDir = await mkdtemp(join(tmpdir(), 'webstream-bench-iam-'));
  cleanup.add('remove the temporary folder', () => rm(workDir, { recursive: true, force: true }));
  const database = await postgres.createDatabase('ws_bench_iam');
  cleanup.add('drop the IAM bench database', () => database.drop());
  const engineDatabase = await postgres.createDatabase('ws_bench_iam_metrics');
  cleanup.add('drop the metrics engine database', () => engineDatabase.drop());
  // IAM sends an activity event for every login: to the real engine, as in a deployment.
  const engine = await MetricsEngineProcess.start({ databaseUrl: engineDatabase.url, cwd: workDir });
  cleanup.add('stop the metrics engine', () => engine.stop());

  const tokenSigningKey = randomToken();
  const admin = { username: 'bench-admin', password: `Admin-${randomBytes(12).toString('base64url')}` };
  const iamOptions = {
    databaseUrl: database.url,
    tokenSigningKey,
    admin,
    metricsEngine: { url: engine.url, serviceToken: engine.serviceToken },
    cwd: workDir,
  };
  progress(
    `IAM configuration: login throttle limits raised to ${count(UNTHROTTLED)} failures (freeAttempts, lockAfterFailures, addressLockAfterFailures) so the bench is never throttled; access tokens live ${ACCESS_TOKEN_TTL} s`,
  );
  detail('configuration', {
    clients,
    users,
    warmupSeconds,
    seconds,
    loginThrottle: {
      freeAttempts: UNTHROTTLED,
      lockAfterFailures: UNTHROTTLED,
      addressLockAfterFailures: UNTHROTTLED,
    },
    accessTokenTtl: ACCESS_TOKEN_TTL,
    argon2: ARGON2_OPTIONS,
  });
  const printed: Record<string, unknown> = {};
  detail('iamOutput', printed);
  const stopIam = async (iam: ServiceProcess, http: HttpClient): Promise<void> => {
    http.close();
    await iam.stop();
    const { lines, last } = iam.printed();
    printed[iam.name] = { lines, last };
    if (lines > 0)
      anomaly(`${iam.name} printed ${lines} lines at log level warn (above, and in the JSON file)`);
  };
  const failedCalls = (result: LoadResult): void => {
    if (result.failed === 0) return;
    const what = Object.entries(result.problems)
      .map(([problem, times]) => `${count(times)} × ${problem}`)
      .join('; ');
    anomaly(`${result.label}: ${count(result.failed)} calls without the expected answer: ${what}`);
  };

  // 1. IAM with the cache on (the default), seeded through its API.
  const iam = await startIam({ ...iamOptions, name: 'IAM' });
  cleanup.add('stop IAM', () => iam.stop());
  const http = new HttpClient(iam.url, clients);
  cleanup.add('close the HTTP agent', async () => http.close());
  const data = await seed(http, admin, users);
  let successfulLogins = 1; // the admin's, to seed
  detail('seed', {
    organization: data.organization.slug,
    users: data.users.length,
    groupId: data.group.id,
    applicationId: data.application.id,
    workspaceId: data.workspace.id,
    entitlementId: data.entitlement.id,
  });
  for (const write of data.unexpected) anomaly(`while seeding: ${write}`);

  // 2. Logins, against the hashing they cannot avoid.
  const argon2 = await argon2Baseline(timing);
  const tokens = new Array<string | undefined>(users);
  const logins = await closedLoop({
    label: `logins (POST ${loginRoute.path}) as ${count(users)} distinct users`,
    ...timing,
    service: iam,
    call: async (c, k): Promise<CallOutcome> => {
      const u = itemOf(c, k, clients, users);
      const answer = await http.send(loginRoute.method, loginRoute.path, {
        json: { username: data.users[u]!.username, password: data.password },
      });
      if (answer.status !== 200) return unexpected(answer);
      successfulLogins += 1;
      tokens[u] = (JSON.parse(answer.body) as TokenResponse).accessToken;
      return { ok: true };
    },
  });
  failedCalls(logins);
  const loginServer = await iam.serverTime('POST', loginRoute.path);
  detail('argon2', argon2);
  detail('login', {
    ...logins,
    iamMsPerLoginWithWarmup: (loginServer.seconds * 1000) / loginServer.requests,
  });
  record({
    name: `login (POST ${loginRoute.path}, throttle limits raised), ${clients} clients × own users of ${users}`,
    value: logins.perSecond,
    unit: 'logins/s',
    baseline: { name: `argon2id verify, ${clients} at once, in the bench process`, value: argon2.perSecond },
  });
  record({
    name: `argon2id verify (m=${ARGON2_OPTIONS.memoryCost}, t=${ARGON2_OPTIONS.timeCost}, p=${ARGON2_OPTIONS.parallelism}), ${clients} at once in the bench process (baseline)`,
    value: argon2.perSecond,
    unit: 'hashes/s',
  });
  record({ name: `login latency p50 (${clients} clients)`, value: logins.p50Ms, unit: 'ms' });
  record({ name: `login latency p99 (${clients} clients)`, value: logins.p99Ms, unit: 'ms' });

  // Every user needs a token for what follows.
  for (let u = 0; u < users; u += 1) {
    if (tokens[u] !== undefined) continue;
    tokens[u] = (await login(http, data.users[u]!.username, data.password)).accessToken;
    successfulLogins += 1;
  }
  const path = resolvePath(data.workspace.id, data.application.id);
  const check = await http.send('GET', path, { bearer: tokens[0]! });
  if (check.status !== 200 || !(JSON.parse(check.body) as { entitled?: boolean }).entitled) {
    throw new Error(`GET ${path} as ${data.users[0]!.username} answered ${check.status}: ${check.body}`);
  }

  /** Resolution over HTTP, with IAM's own count of cache hits and misses and its time per request. */
  const resolveOver = async (
    service: ServiceProcess,
    client: HttpClient,
    label: string,
    cacheOn: boolean,
  ) => {
    const before = cacheUseOf(await service.scrape());
    const result = await closedLoop({
      label,
      ...timing,
      service,
      call: async (c, k) => {
        const u = itemOf(c, k, clients, users);
        const answer = await client.send('GET', path, { bearer: tokens[u]! });
        return answer.status === 200 && answer.body.startsWith('{"entitled":true')
          ? { ok: true }
          : unexpected(answer);
      },
    });
    failedCalls(result);
    const after = cacheUseOf(await service.scrape());
    const cache = { hits: after.hits - before.hits, misses: after.misses - before.misses };
    const server = await service.serverTime('GET', resolveEntitlementRoute.path);
    progress(
      `  IAM counted ${count(cache.hits)} cache hits and ${count(cache.misses)} misses (warm-up included)`,
    );
    checkCacheUse(label, cache, cacheOn);
    return { ...result, cache, iamMsPerResolveWithWarmup: (server.seconds * 1000) / server.requests };
  };
  const checkCacheUse = (label: string, cache: CacheUse, cacheOn: boolean): void => {
    // With the cache on, each user's answer is loaded once (nothing is written meanwhile, and no two clients
    // ask for the same user, so no two loads of one answer overlap: the resolver does not coalesce them).
    if (cacheOn && cache.misses > users)
      anomaly(`${label}: ${count(cache.misses)} cache misses for ${count(users)} distinct answers`);
    if (!cacheOn && cache.hits > 0) anomaly(`${label}: ${count(cache.hits)} cache hits with the cache off`);
    if (cache.hits + cache.misses === 0) anomaly(`${label}: IAM counted no resolutions (${RESOLUTIONS})`);
  };

  // 3. What any request costs on this process, then resolution with the cache on.
  const health = await closedLoop({
    label: 'GET /health/live',
    ...timing,
    service: iam,
    call: async () => {
      const answer = await http.send('GET', '/health/live');
      return answer.status === 200 ? { ok: true } : unexpected(answer);
    },
  });
  failedCalls(health);
  detail('health', health);
  const cached = await resolveOver(iam, http, `GET ${resolveEntitlementRoute.path}, cache on`, true);
  detail('resolveCached', cached);
  record({
    name: `entitlement resolve over HTTP, cache on, ${clients} clients, vs GET /health/live`,
    value: cached.perSecond,
    unit: 'resolutions/s',
    baseline: { name: 'GET /health/live on the same process', value: health.perSecond },
  });
  record({
    name: `GET /health/live, same IAM process, ${clients} clients (baseline: any request)`,
    value: health.perSecond,
    unit: 'requests/s',
  });
  await stopIam(iam, http);

  // 4. A second IAM on the same database with the cache off.
  const uncachedIam = await startIam({ ...iamOptions, name: 'IAM (cache off)', entitlementCacheTtl: 0 });
  cleanup.add('stop IAM (cache off)', () => uncachedIam.stop());
  const uncachedHttp = new HttpClient(uncachedIam.url, clients);
  cleanup.add('close the HTTP agent (cache off)', async () => uncachedHttp.close());
  const uncached = await resolveOver(
    uncachedIam,
    uncachedHttp,
    `GET ${resolveEntitlementRoute.path}, cache off (entitlementCacheTtl 0)`,
    false,
  );
  detail('resolveUncached', uncached);
  record({
    name: `entitlement resolve over HTTP, cache on, ${clients} clients, vs cache off`,
    value: cached.perSecond,
    unit: 'resolutions/s',
    baseline: { name: 'the same with entitlementCacheTtl 0', value: uncached.perSecond },
    targets: [{ of: 'value', op: '>=', threshold: TARGET_RESOLVES_PER_SECOND }],
  });
  record({
    name: `entitlement resolve over HTTP, cache off (entitlementCacheTtl 0), ${clients} clients (baseline)`,
    value: uncached.perSecond,
    unit: 'resolutions/s',
  });
  progress(
    `over HTTP, IAM's own request histogram says ${formatNumber(cached.iamMsPerResolveWithWarmup)} ms per cached and ${formatNumber(uncached.iamMsPerResolveWithWarmup)} ms per uncached resolution (${clients} at once: waiting for the event loop included)`,
  );
  await stopIam(uncachedIam, uncachedHttp);

  // Every login sent an activity event to the metrics engine; both IAMs have stopped and flushed.
  const activity = await loginActivity(engineDatabase.url, successfulLogins);
  detail('audit', { successfulLogins, loginActivityEventsInEngine: activity });
  if (activity === successfulLogins) {
    progress(`audit: all ${count(activity)} login activity events reached the metrics engine`);
  } else {
    anomaly(
      `${count(successfulLogins)} successful logins, but the metrics engine holds ${count(activity)} login activity events`,
    );
  }

  // 5. In-process, as the gateway's builtin mode: no HTTP, no token check.
  const loop = {
    loops: clients,
    warmupSeconds,
    seconds,
    userOf: (l: number, k: number) => data.users[itemOf(l, k, clients, users)]!.id,
    workspaceId: data.workspace.id,
    appId: data.application.id,
  };
  const inProcess = async (
    label: string,
    cacheOn: boolean,
  ): Promise<TightLoopResult & { cache: CacheUse }> => {
    const booted = await bootInProcess({
      ...iamOptions,
      label,
      workDir,
      ...(cacheOn ? {} : { entitlementCacheTtl: 0 }),
    });
    cleanup.add(`close ${label}`, () => booted.close());
    try {
      const result = await resolveLoop(booted.resolver, { ...loop, label });
      const cache = cacheUseOf(await booted.scrape());
      progress(
        `  IAM counted ${count(cache.hits)} cache hits and ${count(cache.misses)} misses (warm-up included)`,
      );
      checkCacheUse(label, cache, cacheOn);
      return { ...result, cache };
    } finally {
      await booted.close();
    }
  };
  const inCached = await inProcess('in-process resolve, cache on', true);
  const inUncached = await inProcess('in-process resolve, cache off', false);
  detail('inProcessCached', inCached);
  detail('inProcessUncached', inUncached);
  record({
    name: `entitlement resolve in-process (IamModule in the bench), cache on, ${clients} loops, vs cache off`,
    value: inCached.perSecond,
    unit: 'resolutions/s',
    baseline: { name: 'the same with entitlementCacheTtl 0', value: inUncached.perSecond },
    targets: [{ of: 'value', op: '>=', threshold: TARGET_RESOLVES_PER_SECOND }],
  });
  record({
    name: `entitlement resolve in-process, cache off, ${clients} loops (baseline)`,
    value: inUncached.perSecond,
    unit: 'resolutions/s',
  });
  engine.assertRunning();
  progress(
    anomalies.length === 0
      ? 'nothing unexpected from IAM: every call got the expected answer, nothing logged at warn or above'
      : `${anomalies.length} unexpected thing(s) from IAM, listed above and under details.iam.anomalies`,
  );
}

/** Login activity events in the engine's database, polled until `expected` arrive or 10 s pass. */
async function loginActivity(engineDatabaseUrl: string, expected: number): Promise<number> {
  return withClient(engineDatabaseUrl, async (pg) => {
    const deadline = performance.now() + 10_000;
    for (;;) {
      const found = await scalar(pg, `SELECT count(*) AS value FROM "ActivityEvent" WHERE type = 'login'`);
      if (found >= expected || performance.now() > deadline) return found;
      await sleep(250);
    }
  });
}

export const iamSuite: Suite = {
  name: 'iam',
  description:
    'IAM: logins/s vs argon2id, entitlement resolutions/s over HTTP and in-process, cache on and off',
  run,
};
