// bench/scenarios: seed 002's k6 load scenarios A to G, mapped onto WebStream's routes and scaled down from
// minutes to seconds, against the real gateway (built-in IAM, a child process on a fresh database) with the
// proxy suite's peers: the stand-in session host and echo streamer, and nginx as the in-run baseline.
//
//   A health baseline        GET /health/live and GET /gateway/health, 10 clients: p95 < 10 ms
//   B OpenAPI aggregation    GET /openapi.json, 50 clients: p95 < 200 ms
//   C routing throughput     /getConnection, session select and status mixed, 200 clients at a fixed rate:
//                            the gateway's overhead over the host straight, p50 < 2 ms, p99 < 5 ms
//   D correlation id         the same requests with and without X-Correlation-ID: p95 overhead < 5 ms, echoed
//                            and propagated to the host
//   E rate-limit boundary    100 clients of one user against the limited session group (rate-limit.ts)
//   F connection ramp        to 1,000 keep-alive clients on GET /health/live: no 503, no connection error
//   G steady-state soak      50 clients for --soak seconds, the gateway's memory after GC sampled: its slope
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  gatewayHealthRoute,
  getConnectionRoute,
  HEALTH_LIVE_PATH,
  SESSION_ID_HEADER,
  sessionSelectRoute,
  sessionStatusRoute,
} from '@webstream/contracts';
import { CORRELATION_ID_HEADER } from '@webstream/service-kit';
import { anomalyLog, describeCounts } from '../anomalies';
import { ACCESS_TOKEN_TTL, gatewayMemory, RATE_LIMITS_OFF } from '../gateway/gateway-process';
import { HEARTBEAT_INTERVAL_MS } from '../gateway/hosts';
import { seedGateway } from '../gateway/seeded';
import { reserveMany, sessionIds } from '../gateway/sessions';
import {
  type CallOutcome,
  closedLoop,
  HttpClient,
  type HttpAnswer,
  type MeasuredProcess,
  unexpected,
} from '../iam/load';
import { openFiles } from '../proxy';
import { peerGateways, startProxyPeers } from '../proxy/peers';
import { hostStats } from '../proxy/upstreams';
import { count, formatNumber, progress } from '../report';
import { type Suite, type SuiteContext } from '../suite';
import { openLoop, type OpenLoopResult } from './open-loop';
import { rateLimitBoundary, sessionLimitEnv } from './rate-limit';
import { memorySample, type MemorySample, sampling, slope } from './sampling';

/** Seed 002's scenarios: clients (k6's VUs) and targets. */
export /** The echo streamer's fixed answer (bench/src/proxy/upstream.ts): a bare node:http server's cheapest request. */
const BARE_NODE_PATH = '/health/ready';

const SCENARIOS = {
  A: { clients: 10, p95Ms: 10, cpuPerRequestVsNginx: 3 },
  B: { clients: 50, p95Ms: 200 },
  C: { clients: 200, p50Ms: 2, p99Ms: 5 },
  D: { clients: 20, p95OverheadMs: 5 },
  E: { clients: 100, limit: 100, windows: 3 },
  F: { clients: 1_000 },
  // The verdict "stable memory": the soak's requests leave at most this much heap behind each (after a full GC,
  // at rest, against before the soak).
  G: { clients: 50, retainedBytesPerRequest: 64 },
} as const;
/** The open-loop scenarios (C, D) run at this share of the capacity C's 200 clients showed, unless --rate. */
const LOAD_SHARE = 0.5;
/** The aggregated document (apps/gateway/src/openapi/gateway-operations.ts, OPENAPI_JSON_PATH). */
const OPENAPI_JSON_PATH = '/openapi.json';
/** nginx's fixed answer (nginx.ts): the baseline of a health probe. */
const NGINX_READY_PATH = '/bench-ready';
const USERS = 16;
const HOST_MAX_SESSIONS = 10_000;
const MAX_SESSIONS_PER_USER = 10_000;
/**
 * gateway.webSocket.ticketTtl of this run (default 30 s): the tickets every /getConnection issues leave the store
 * within seconds, so the soak's memory is at its steady state from the start instead of growing for 30 s.
 */
const TICKET_TTL_SECONDS = 1;
const MB = 1024 * 1024;

type Outcome = Promise<CallOutcome>;
const ok = (): CallOutcome => ({ ok: true });
const expect200 = (answer: HttpAnswer): CallOutcome => (answer.status === 200 ? ok() : unexpected(answer));

function percent(part: number, whole: number): number {
  return whole > 0 ? (100 * part) / whole : Number.NaN;
}

async function run(context: SuiteContext): Promise<void> {
  const { options, cleanup, record, detail } = context;
  const seconds = options.seconds;
  const warmupSeconds = options.quick ? 1 : 2;
  const timing = { warmupSeconds, seconds };
  const anomalies = anomalyLog(context, 'scenarios');
  const { failedCalls } = anomalies;
  const anomaly = anomalies.add;

  const peers = await startProxyPeers(context, 'scenarios', HOST_MAX_SESSIONS, (dir) => ({
    [OPENAPI_JSON_PATH]: join(dir, 'openapi.json'),
  }));
  const { host, nginx, streamer } = peers;
  const gatewayEnv = { WEBSTREAM__GATEWAY__WEBSOCKET__TICKETTTL: String(TICKET_TTL_SECONDS) };
  const { admin, launch, stop, checkNginx } = await peerGateways(peers, context, {
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    connections: SCENARIOS.C.clients,
    anomaly,
  });
  const main = await launch('gateway', { gcOnSignal: true, env: gatewayEnv });
  const { gateway, http } = main;

  // B's first request, before anything else asks: the gateway builds the document for it.
  const t0 = performance.now();
  const firstDocument = await http.send('GET', OPENAPI_JSON_PATH);
  const firstDocumentMs = performance.now() - t0;
  if (firstDocument.status !== 200)
    throw new Error(
      `GET ${OPENAPI_JSON_PATH} answered ${firstDocument.status}: ${firstDocument.body.slice(0, 300)}`,
    );
  const documentBytes = Buffer.byteLength(firstDocument.body);
  // nginx serves the very same bytes as a file: B's baseline.
  await writeFile(join(peers.nginxDir, 'openapi.json'), firstDocument.body, { mode: 0o644 });
  progress(
    `GET ${OPENAPI_JSON_PATH}: ${formatNumber(documentBytes / 1024)} KiB, ${Object.keys((JSON.parse(firstDocument.body) as { paths: object }).paths).length} paths, first answer in ${formatNumber(firstDocumentMs)} ms`,
  );

  const seeded = await seedGateway(http, admin, USERS, anomaly);
  const { tokenOf, selectOn } = seeded;
  // A session per C client (D and G use the first of them), each with the client whose user selected it.
  const sessions = (await reserveMany(SCENARIOS.C.clients, SCENARIOS.C.clients, selectOn(http))).sessionIds;
  const hostHttp = new HttpClient(host.url, SCENARIOS.C.clients);
  const nginxHttp = new HttpClient(nginx.url, SCENARIOS.C.clients);
  const bareNodeHttp = new HttpClient(streamer.url, SCENARIOS.A.clients);
  cleanup.add('close the HTTP agents of the host, nginx and the echo streamer', async () => {
    hostHttp.close();
    nginxHttp.close();
    bareNodeHttp.close();
  });
  detail('configuration', {
    scenarios: SCENARIOS,
    warmupSeconds,
    seconds,
    soakSeconds: options.soakSeconds,
    loadShare: LOAD_SHARE,
    rate: options.rate,
    users: USERS,
    sessions: sessions.length,
    nginx: peers.nginxInfo,
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    hostMaxSessions: HOST_MAX_SESSIONS,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    gatewayEnv: { ...RATE_LIMITS_OFF, ...gatewayEnv },
    openApiBytes: documentBytes,
  });

  // The calls the scenarios are made of; client c works on session c (C's 200, D's and G's first ones).
  const getConnection = async (c: number, headers: Record<string, string> = {}): Promise<HttpAnswer> => {
    const { client, sessionId } = sessions[c]!;
    return http.send(getConnectionRoute.method, getConnectionRoute.path, {
      bearer: tokenOf(client),
      headers: { [SESSION_ID_HEADER]: sessionId, ...headers },
    });
  };
  const connected = (answer: HttpAnswer): CallOutcome =>
    answer.status === 200 && answer.body.includes('"tickets":{"capture":"') ? ok() : unexpected(answer);
  const status = async (c: number, headers: Record<string, string> = {}): Promise<HttpAnswer> => {
    const { client, sessionId } = sessions[c]!;
    return http.send(sessionStatusRoute.method, sessionStatusRoute.path, {
      bearer: tokenOf(client),
      headers: { [SESSION_ID_HEADER]: sessionId, ...headers },
    });
  };
  const statusOk = (c: number, answer: HttpAnswer): CallOutcome =>
    answer.status === 200 && answer.body.includes(`"sessionId":"${sessions[c]!.sessionId}"`)
      ? ok()
      : unexpected(answer);
  const newSessionId = sessionIds(SCENARIOS.C.clients);
  const select = (c: number): Outcome => selectOn(http)(sessions[c]!.client, newSessionId(c));
  /** /getConnection without the gateway: what the host answers (straight, or through nginx). */
  const plainGetConnection = async (target: HttpClient, c: number): Outcome => {
    const answer = await target.send('GET', getConnectionRoute.path, {
      headers: { [SESSION_ID_HEADER]: sessions[c]!.sessionId },
    });
    return answer.status === 200 && answer.body.startsWith('{"sessionId":"') ? ok() : unexpected(answer);
  };
  /** An open loop's calls all answered as expected, and no more than 1% of its requests dropped. */
  const checkOpenLoop = (result: OpenLoopResult): void => {
    failedCalls(result);
    if (result.dropped > result.started / 100)
      anomaly(
        `${result.label}: ${count(result.dropped)} requests dropped for want of a free client (of ${result.clients})`,
      );
  };
  const get200 = (target: HttpClient, path: string) => async (): Outcome =>
    expect200(await target.send('GET', path));

  // A. Health baseline.
  const healthLoop = (label: string, target: HttpClient, path: string, service: MeasuredProcess = gateway) =>
    closedLoop({ label, clients: SCENARIOS.A.clients, ...timing, service, call: get200(target, path) });
  const aLive = await healthLoop(`A: GET ${HEALTH_LIVE_PATH}`, http, HEALTH_LIVE_PATH);
  const aGateway = await healthLoop(`A: GET ${gatewayHealthRoute.path}`, http, gatewayHealthRoute.path);
  const aNginx = await healthLoop(
    `A: nginx's fixed 200 (GET ${NGINX_READY_PATH})`,
    nginxHttp,
    NGINX_READY_PATH,
    nginx,
  );
  // What Node's HTTP server itself costs: the echo streamer (a bare node:http server) answering its fixed probe.
  const aBareNode = await healthLoop(
    `A: a bare Node server's fixed answer (the echo streamer's GET ${BARE_NODE_PATH})`,
    bareNodeHttp,
    BARE_NODE_PATH,
    streamer,
  );
  for (const result of [aLive, aGateway, aNginx, aBareNode]) failedCalls(result);
  detail('A', { live: aLive, gatewayHealth: aGateway, nginx: aNginx, bareNode: aBareNode });
  const a = SCENARIOS.A;
  for (const [path, result] of [
    [HEALTH_LIVE_PATH, aLive],
    [gatewayHealthRoute.path, aGateway],
  ] as const) {
    record({
      name: `A health baseline: GET ${path} latency p95, ${a.clients} clients, vs nginx's fixed 200`,
      value: result.p95Ms,
      unit: 'ms',
      baseline: { name: `nginx answering ${NGINX_READY_PATH}, same clients`, value: aNginx.p95Ms },
      targets: [{ of: 'value', op: '<=', threshold: a.p95Ms }],
    });
  }
  record({
    name: `A health baseline: GET ${HEALTH_LIVE_PATH}, ${a.clients} clients, vs nginx's fixed 200`,
    value: aLive.perSecond,
    unit: 'requests/s',
    baseline: { name: `nginx answering ${NGINX_READY_PATH}`, value: aNginx.perSecond },
  });
  // The probe's own cost, whatever the clients' share of the two cores: CPU seconds of the server per request.
  const cpuPerRequest = (result: typeof aLive) =>
    result.cpu.service === undefined ? undefined : (result.cpu.service / result.calls) * 1e6;
  const liveCpu = cpuPerRequest(aLive);
  const nginxCpu = cpuPerRequest(aNginx);
  if (liveCpu !== undefined && nginxCpu !== undefined)
    record({
      name: `A health baseline: CPU per GET ${HEALTH_LIVE_PATH}, ${a.clients} clients, vs nginx's per fixed 200`,
      value: liveCpu,
      unit: 'µs',
      baseline: { name: `nginx's workers per ${NGINX_READY_PATH}`, value: nginxCpu },
      targets: [{ of: 'ratio', op: '<=', threshold: a.cpuPerRequestVsNginx }],
    });
  const bareNodeCpu = cpuPerRequest(aBareNode);
  if (liveCpu !== undefined && bareNodeCpu !== undefined)
    record({
      name: `A health baseline: CPU per GET ${HEALTH_LIVE_PATH}, ${a.clients} clients, vs a bare Node server's per fixed answer`,
      value: liveCpu,
      unit: 'µs',
      baseline: { name: `a bare node:http server per GET ${BARE_NODE_PATH}`, value: bareNodeCpu },
    });

  // B. OpenAPI aggregation: the cached document, against nginx serving its bytes from a file.
  const sameDocument = (answer: HttpAnswer): CallOutcome =>
    answer.status === 200 && answer.body.length === firstDocument.body.length ? ok() : unexpected(answer);
  const documentLoop = (label: string, target: HttpClient, service: MeasuredProcess) =>
    closedLoop({
      label,
      clients: SCENARIOS.B.clients,
      ...timing,
      service,
      call: async () => sameDocument(await target.send('GET', OPENAPI_JSON_PATH)),
    });
  const bGateway = await documentLoop(`B: GET ${OPENAPI_JSON_PATH} from the gateway`, http, gateway);
  const bNginx = await documentLoop(`B: the same bytes from nginx (a file)`, nginxHttp, nginx);
  for (const result of [bGateway, bNginx]) failedCalls(result);
  detail('B', { firstDocumentMs, documentBytes, gateway: bGateway, nginx: bNginx });
  const b = SCENARIOS.B;
  record({
    name: `B OpenAPI aggregation: GET ${OPENAPI_JSON_PATH} latency p95, ${b.clients} clients, vs nginx serving it as a file`,
    value: bGateway.p95Ms,
    unit: 'ms',
    baseline: { name: 'nginx, the same bytes from a file', value: bNginx.p95Ms },
    targets: [{ of: 'value', op: '<=', threshold: b.p95Ms }],
  });
  record({
    name: `B OpenAPI aggregation: GET ${OPENAPI_JSON_PATH}, ${b.clients} clients, vs nginx serving it as a file`,
    value: bGateway.perSecond,
    unit: 'requests/s',
    baseline: { name: 'nginx, the same bytes from a file', value: bNginx.perSecond },
  });
  record({
    name: `B OpenAPI aggregation: first GET ${OPENAPI_JSON_PATH} after start (the gateway builds it)`,
    value: firstDocumentMs,
    unit: 'ms',
  });

  // C. Routing throughput: the capacity of the mix with 200 clients, then the mix at a fixed rate against
  // /getConnection straight to the host and through nginx at the rate of the mix's /getConnection calls.
  const c = SCENARIOS.C;
  const C_KINDS = [
    'GET /getConnection',
    `POST ${sessionSelectRoute.path}`,
    `GET ${sessionStatusRoute.path}`,
  ] as const;
  // In the order of C_KINDS.
  const C_CALLS = [
    async (client: number): Outcome => connected(await getConnection(client)),
    select,
    async (client: number): Outcome => statusOk(client, await status(client)),
  ];
  const mixed = (kind: number, client: number): Outcome => C_CALLS[kind % C_CALLS.length]!(client);
  const capacity = await closedLoop({
    label: `C: capacity of the mix (${C_KINDS.join(', ')})`,
    clients: c.clients,
    ...timing,
    service: gateway,
    call: (client, k) => mixed(client + k, client),
  });
  failedCalls(capacity);
  const rate = options.rate ?? Math.max(10, Math.round(capacity.perSecond * LOAD_SHARE));
  const connectionRate = rate / C_KINDS.length;
  const atRate = options.rate === undefined ? 'at half capacity' : `at ${count(rate)} requests/s`;
  progress(
    `C: the mix at ${count(rate)} requests/s${options.rate === undefined ? ` (${LOAD_SHARE * 100}% of the capacity)` : ' (--rate)'}, /getConnection at ${formatNumber(connectionRate)}/s`,
  );
  const cMix = await openLoop({
    label: 'C: the mix through the gateway',
    rate,
    clients: c.clients,
    ...timing,
    service: gateway,
    alsoMeasure: [host],
    kindOf: (k) => C_KINDS[k % C_KINDS.length]!,
    call: (k, client) => mixed(k, client),
  });
  /** /getConnection at the mix's rate of them, without the gateway: `target` is the host, or nginx before it. */
  const plainLoop = (label: string, target: HttpClient, service: MeasuredProcess) =>
    openLoop({
      label: `C: GET /getConnection ${label}`,
      rate: connectionRate,
      clients: c.clients,
      ...timing,
      service,
      alsoMeasure: service === host ? [] : [host],
      call: (_k, client) => plainGetConnection(target, client),
    });
  const cDirect = await plainLoop('straight to the session host', hostHttp, host);
  const cNginx = await plainLoop('through nginx', nginxHttp, nginx);
  for (const result of [cMix, cDirect, cNginx]) checkOpenLoop(result);
  detail('C', { capacity, rate, connectionRate, mix: cMix, direct: cDirect, nginx: cNginx });
  record({
    name: `C routing throughput: capacity of the mix (/getConnection, session select, session status), ${c.clients} clients`,
    value: capacity.perSecond,
    unit: 'requests/s',
  });
  const viaGateway = cMix.kinds['GET /getConnection']!;
  for (const [which, pick, threshold] of [
    ['p50', (s: { p50Ms: number }) => s.p50Ms, c.p50Ms],
    ['p99', (s: { p99Ms: number }) => s.p99Ms, c.p99Ms],
  ] as const) {
    record({
      name: `C routing overhead ${which}: GET /getConnection through the gateway minus straight to the host, in the mix ${atRate}, vs nginx's`,
      value: pick(viaGateway) - pick(cDirect.latency),
      unit: 'ms',
      baseline: {
        name: "nginx's: through nginx minus straight",
        value: pick(cNginx.latency) - pick(cDirect.latency),
      },
      targets: [{ of: 'value', op: '<=', threshold }],
    });
  }
  for (const kind of C_KINDS.slice(1)) {
    const stats = cMix.kinds[kind]!;
    record({
      name: `C routing: ${kind} latency p50 in the mix ${atRate}`,
      value: stats.p50Ms,
      unit: 'ms',
    });
    record({
      name: `C routing: ${kind} latency p99 in the mix ${atRate}`,
      value: stats.p99Ms,
      unit: 'ms',
    });
  }

  // D. Correlation id: every other request carries an X-Correlation-ID of its own, on /getConnection (the data
  // plane, proxied to the host) and on session status (through Express and service-kit's middleware).
  const d = SCENARIOS.D;
  const prefix = `bench-d${randomBytes(4).toString('hex')}`;
  const D_KINDS = [
    'GET /getConnection with an id',
    'GET /getConnection without',
    `GET ${sessionStatusRoute.path} with an id`,
    `GET ${sessionStatusRoute.path} without`,
  ] as const;
  const dCounts = D_KINDS.map(() => ({ answered: 0, echoed: 0 }));
  const hostBefore = await hostStats(host);
  const dLoop = await openLoop({
    label: `D: the same requests with and without ${CORRELATION_ID_HEADER}`,
    rate,
    clients: d.clients,
    ...timing,
    service: gateway,
    alsoMeasure: [host],
    kindOf: (k) => D_KINDS[k % D_KINDS.length]!,
    call: async (k, client) => {
      const kind = k % D_KINDS.length;
      const id = `${prefix}-${k}`;
      const headers: Record<string, string> = kind % 2 === 0 ? { [CORRELATION_ID_HEADER]: id } : {};
      const answer = kind < 2 ? await getConnection(client, headers) : await status(client, headers);
      const outcome = kind < 2 ? connected(answer) : statusOk(client, answer);
      if (!outcome.ok) return outcome;
      const echoed = answer.headers[CORRELATION_ID_HEADER];
      dCounts[kind]!.answered += 1;
      if (kind % 2 === 0 ? echoed === id : typeof echoed === 'string' && echoed.length > 0)
        dCounts[kind]!.echoed += 1;
      return outcome;
    },
  });
  checkOpenLoop(dLoop);
  const hostAfter = await hostStats(host);
  const atHost = (key: string): number =>
    (hostAfter.correlationIds[key] ?? 0) - (hostBefore.correlationIds[key] ?? 0);
  const [connWith, connWithout, statusWith, statusWithout] = dCounts as [
    { answered: number; echoed: number },
    { answered: number; echoed: number },
    { answered: number; echoed: number },
    { answered: number; echoed: number },
  ];
  const reachedHost = atHost(prefix);
  const reachedHostWithout = connWithout.answered - atHost('(none)');
  progress(
    `  ids echoed: /getConnection ${count(connWith.echoed)} of ${count(connWith.answered)}, status ${count(statusWith.echoed)} of ${count(statusWith.answered)}; at the host: ${count(reachedHost)} of ${count(connWith.answered)} sent; without one, the answer carried a generated id on /getConnection ${count(connWithout.echoed)} of ${count(connWithout.answered)}, on status ${count(statusWithout.echoed)} of ${count(statusWithout.answered)}, and the host got one ${count(reachedHostWithout)} of ${count(connWithout.answered)} times`,
  );
  detail('D', {
    loop: dLoop,
    prefix,
    counts: Object.fromEntries(D_KINDS.map((kind, i) => [kind, dCounts[i]])),
    reachedHost,
    reachedHostWithout,
    hostCorrelationIds: hostAfter.correlationIds,
  });
  for (const [route, withKind, withoutKind] of [
    ['GET /getConnection (data plane)', D_KINDS[0], D_KINDS[1]],
    [`GET ${sessionStatusRoute.path}`, D_KINDS[2], D_KINDS[3]],
  ] as const) {
    const withId = dLoop.kinds[withKind]!;
    const without = dLoop.kinds[withoutKind]!;
    progress(
      `  ${route}: p95 ${formatNumber(withId.p95Ms)} ms with an id, ${formatNumber(without.p95Ms)} ms without`,
    );
    record({
      name: `D correlation id overhead p95, ${route}: with ${CORRELATION_ID_HEADER} minus without, ${d.clients} clients`,
      value: withId.p95Ms - without.p95Ms,
      unit: 'ms',
      targets: [{ of: 'value', op: '<=', threshold: d.p95OverheadMs }],
    });
  }
  const full = [{ of: 'value' as const, op: '>=' as const, threshold: 100 }];
  const share = (name: string, part: number, whole: number): void =>
    record({ name: `D correlation id: ${name}`, value: percent(part, whole), unit: '%', targets: full });
  const statusRoute = `GET ${sessionStatusRoute.path}`;
  share(`${statusRoute}, sent: echoed in the answer`, statusWith.echoed, statusWith.answered);
  share(
    `${statusRoute}, none sent: a generated one in the answer`,
    statusWithout.echoed,
    statusWithout.answered,
  );
  share('GET /getConnection (data plane), sent: echoed in the answer', connWith.echoed, connWith.answered);
  share('GET /getConnection, sent: the same reached the session host', reachedHost, connWith.answered);
  share(
    'GET /getConnection, none sent: a generated one in the answer',
    connWithout.echoed,
    connWithout.answered,
  );
  share(
    'GET /getConnection, none sent: the session host got a generated one',
    reachedHostWithout,
    connWithout.answered,
  );

  // G. Steady-state soak (before F, whose 1,000 sockets would leave garbage behind): 50 clients cycling through
  // /getConnection, session status and both probes, the gateway's memory sampled as it goes (the slopes), and
  // its heap after a full GC at rest before and after (the verdict: what the soak's requests left behind).
  const g = SCENARIOS.G;
  const G_CALLS = [
    async (client: number): Outcome => connected(await getConnection(client)),
    async (client: number): Outcome => statusOk(client, await status(client)),
    async (): Outcome => expect200(await http.send('GET', gatewayHealthRoute.path)),
    async (): Outcome => expect200(await http.send('GET', HEALTH_LIVE_PATH)),
  ];
  /**
   * The gateway at rest: every ticket issued so far expired, and dropped by the next /getConnection (the store
   * prunes as it issues), then a full GC: the same state before and after the soak, whatever load came before.
   */
  const atRest = async (): Promise<MemorySample> => {
    await sleep((TICKET_TTL_SECONDS + 1) * 1000);
    const outcome = connected(await getConnection(0));
    if (!outcome.ok) anomaly(`G: GET /getConnection at rest: ${outcome.problem}`);
    return memorySample(gateway, 0);
  };
  const soak = options.soakSeconds;
  const sampleEvery = Math.max(2_500, (soak * 1000) / 12);
  const samples: MemorySample[] = [];
  const before = await atRest();
  // Every call of the soak, warm-up included, and the one of the reading at rest after it.
  let served = 1;
  let soakStart: number | undefined;
  const gLoad = await sampling(
    closedLoop({
      label: `G: steady-state soak, /getConnection, session status, both probes, ${soak} s`,
      clients: g.clients,
      warmupSeconds,
      seconds: soak,
      service: gateway,
      call: (client, k) => {
        served += 1;
        return G_CALLS[(client + k) % G_CALLS.length]!(client);
      },
    }),
    sampleEvery,
    async () => {
      const now = performance.now();
      soakStart ??= now + warmupSeconds * 1000;
      if (now >= soakStart) samples.push(await memorySample(gateway, (now - soakStart) / 1000));
    },
  );
  failedCalls(gLoad);
  const after = await atRest();
  const series = (pick: (s: MemorySample) => number | undefined) =>
    samples.flatMap((s) => {
      const y = pick(s);
      return y === undefined ? [] : [{ x: s.seconds / 60, y: y / MB }];
    });
  const heapSlope = slope(series((s) => s.collected.heapUsedBytes));
  const rssSlope = slope(series((s) => s.asIs.rssBytes));
  const retained =
    ((after.collected.heapUsedBytes ?? Number.NaN) - (before.collected.heapUsedBytes ?? Number.NaN)) / served;
  const stable = retained <= g.retainedBytesPerRequest;
  const first = samples[0];
  const last = samples[samples.length - 1];
  const mb = (bytes: number | undefined): string => formatNumber((bytes ?? Number.NaN) / MB);
  progress(
    `  ${samples.length} samples under load over ${formatNumber(last?.seconds ?? 0)} s: heap after GC ${mb(first?.collected.heapUsedBytes)} → ${mb(last?.collected.heapUsedBytes)} MB (${formatNumber(heapSlope)} MB/min), RSS ${mb(first?.asIs.rssBytes)} → ${mb(last?.asIs.rssBytes)} MB (${formatNumber(rssSlope)} MB/min)`,
  );
  progress(
    `  at rest after a full GC: heap ${mb(before.collected.heapUsedBytes)} MB before, ${mb(after.collected.heapUsedBytes)} MB after ${count(served)} requests = ${formatNumber(retained)} bytes a request: ${stable ? 'stable memory' : 'memory GROWING'}`,
  );
  detail('G', {
    load: gLoad,
    before,
    samples,
    after,
    served,
    heapSlopeMbPerMinute: heapSlope,
    rssSlopeMbPerMinute: rssSlope,
    retainedBytesPerRequest: retained,
    verdict: stable ? 'stable memory' : 'growing',
  });
  const soaked = `${soak} s of ${g.clients} clients`;
  record({
    name: `G steady-state soak, stable memory: gateway heap retained per request, after a full GC at rest, after ${soaked} vs before`,
    value: retained,
    unit: 'bytes/request',
    targets: [{ of: 'value', op: '<=', threshold: g.retainedBytesPerRequest }],
  });
  record({
    name: `G steady-state soak: gateway heap after a full GC, slope under load over ${soaked}`,
    value: heapSlope,
    unit: 'MB/min',
  });
  record({
    name: `G steady-state soak: gateway RSS slope under load over ${soaked}`,
    value: rssSlope,
    unit: 'MB/min',
  });
  record({
    name: `G steady-state soak: gateway RSS after a full GC at rest, after ${soaked} vs before`,
    value: after.collected.rssBytes / MB,
    unit: 'MB',
    baseline: { name: 'before the soak', value: before.collected.rssBytes / MB },
  });
  record({
    name: `G steady-state soak: requests/s sustained, ${g.clients} clients`,
    value: gLoad.perSecond,
    unit: 'requests/s',
  });

  // F. Connection ramp: 1,000 clients, each on its own keep-alive socket, started one by one.
  const f = SCENARIOS.F;
  const rampSeconds = options.quick ? 5 : 15;
  const fHttp = new HttpClient(gateway.url, f.clients);
  cleanup.add('close the 1,000 sockets of F', async () => fHttp.close());
  const peak = { sockets: 0, gatewayFiles: 0 };
  const filesBefore = (await openFiles(gateway.pid)) ?? 0;
  const fLoad = await sampling(
    closedLoop({
      label: `F: GET ${HEALTH_LIVE_PATH}, ramp to ${count(f.clients)} keep-alive clients`,
      clients: f.clients,
      warmupSeconds: rampSeconds,
      rampSeconds,
      seconds,
      service: gateway,
      call: get200(fHttp, HEALTH_LIVE_PATH),
    }),
    200,
    async () => {
      peak.sockets = Math.max(peak.sockets, fHttp.sockets());
      peak.gatewayFiles = Math.max(peak.gatewayFiles, (await openFiles(gateway.pid)) ?? 0);
    },
  );
  fHttp.close();
  const unavailable = Object.entries(fLoad.problems)
    .filter(([problem]) => problem.startsWith('HTTP 503'))
    .reduce((sum, [, times]) => sum + times, 0);
  const otherFailures = fLoad.failed - unavailable;
  progress(
    `  at most ${count(peak.sockets)} sockets open at the clients, ${count(peak.gatewayFiles)} open files in the gateway (${count(filesBefore)} before); ${count(unavailable)} × 503, ${count(otherFailures)} other failures: ${describeCounts(fLoad.problems)}`,
  );
  detail('F', {
    load: fLoad,
    rampSeconds,
    peak,
    gatewayFilesBefore: filesBefore,
    unavailable,
    otherFailures,
  });
  record({
    name: `F connection ramp: GET ${HEALTH_LIVE_PATH} with ${count(f.clients)} keep-alive clients, vs ${SCENARIOS.A.clients} clients (A)`,
    value: fLoad.perSecond,
    unit: 'requests/s',
    baseline: { name: `A: the same with ${SCENARIOS.A.clients} clients`, value: aLive.perSecond },
  });
  record({
    name: `F connection ramp: latency p99 with ${count(f.clients)} clients`,
    value: fLoad.p99Ms,
    unit: 'ms',
  });
  record({
    name: `F connection ramp: peak keep-alive sockets open at once`,
    value: peak.sockets,
    unit: 'sockets',
    targets: [{ of: 'value', op: '>=', threshold: f.clients }],
  });
  record({
    name: `F connection ramp: 503 answers (ramp over ${rampSeconds} s and hold)`,
    value: unavailable,
    unit: 'answers',
    targets: [{ of: 'value', op: '<=', threshold: 0 }],
  });
  record({
    name: `F connection ramp: connection errors and other failures`,
    value: otherFailures,
    unit: 'requests',
    targets: [{ of: 'value', op: '<=', threshold: 0 }],
  });
  detail('gatewayMemoryAfter', await gatewayMemory(gateway));
  await stop(gateway, http);

  // E. Rate-limit boundary, on a gateway of its own with the session group's limits on (same database: the
  // tokens issued above are valid there).
  const e = SCENARIOS.E;
  const windowSeconds = options.quick ? 2 : 5;
  const limited = await launch('gateway (rate limits on)', {
    // Every 429 is a request log line at warn (as every 4xx answer is): tens of thousands of them here.
    env: { ...gatewayEnv, ...sessionLimitEnv(e.limit, windowSeconds), WEBSTREAM__LOGGING__LEVEL: 'error' },
  });
  const eHttp = new HttpClient(limited.gateway.url, e.clients);
  cleanup.add('close the HTTP agent of E', async () => eHttp.close());
  const eRun = await rateLimitBoundary({
    gateway: limited.gateway,
    http: eHttp,
    bearer: tokenOf(0),
    clients: e.clients,
    limit: e.limit,
    windowSeconds,
    windows: e.windows,
  });
  eHttp.close();
  failedCalls(eRun.load);
  if (Object.keys(eRun.badAnswers).length > 0)
    anomaly(`E: answers without the rate-limit headers expected: ${describeCounts(eRun.badAnswers)}`);
  if (eRun.gatewayRefusals !== eRun.refused)
    anomaly(
      `E: the gateway counted ${count(eRun.gatewayRefusals)} refusals, the clients got ${count(eRun.refused)} 429s`,
    );
  if (eRun.retry !== undefined && eRun.retry.status !== 200)
    anomaly(
      `E: a request ${eRun.retry.afterSeconds} s after the last 429 (its Retry-After) answered ${eRun.retry.status}`,
    );
  detail('E', eRun);
  const limit = { name: 'the configured limit', value: e.limit };
  record({
    name: `E rate-limit boundary: admitted in the fewest-admitting ${windowSeconds} s window of ${e.windows}, ${e.clients} clients of one user, vs the limit`,
    value: Math.min(...eRun.admittedPerWindow),
    unit: 'requests',
    baseline: limit,
    targets: [{ of: 'value', op: '>=', threshold: e.limit }],
  });
  record({
    name: `E rate-limit boundary: admitted in the most-admitting ${windowSeconds} s window of ${e.windows}, vs the limit`,
    value: Math.max(...eRun.admittedPerWindow),
    unit: 'requests',
    baseline: limit,
    targets: [{ of: 'value', op: '<=', threshold: e.limit }],
  });
  record({
    name: 'E rate-limit boundary: 429s with Retry-After and X-RateLimit-Limit/-Remaining/-Reset',
    value: percent(eRun.refusedWithHeaders, eRun.refused),
    unit: '%',
    targets: full,
  });
  record({
    name: 'E rate-limit boundary: admitted answers with X-RateLimit-Limit/-Remaining/-Reset',
    value: percent(eRun.admittedWithHeaders, eRun.admitted),
    unit: '%',
    targets: full,
  });
  await stop(limited.gateway, limited.http);

  checkNginx();
  anomalies.conclude('every call got the expected answer, nothing logged at warn or above');
}

export const scenariosSuite: Suite = {
  name: 'scenarios',
  description:
    "seed 002's load scenarios A to G on the gateway's routes: health, OpenAPI, routing overhead vs the host and nginx, correlation ids, rate-limit boundary, 1,000-client ramp, memory soak",
  run,
};
