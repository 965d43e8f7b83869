// bench/proxy: the gateway's data plane against nginx, in the same run. GET /getConnection proxied to a
// stand-in session host (requests/s, latency, CPU per request) through the gateway, through nginx and
// straight to the host; WebSocket round trips through the gateway, through nginx and straight to an echo
// streamer; and the gateway's memory holding as many idle relayed WebSockets as its open-file limit allows.
// The real gateway (built-in IAM) runs as a child process on a fresh database; the session host and the
// streamer are child processes too (upstream.ts), nginx runs from a generated configuration (nginx.ts).
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  adminWebSocketsRoute,
  AUDIO_PATH,
  CAPTURE_PATH,
  CONTROL_PATH,
  type GetConnectionResponse,
  getConnectionRoute,
  SESSION_ID_HEADER,
  WS_TICKET_QUERY_PARAM,
} from '@webstream/contracts';
import { anomalyLog, describeCounts } from '../anomalies';
import {
  ACCESS_TOKEN_TTL,
  collectGarbage,
  type GatewayMemory,
  gatewayMemory,
  RATE_LIMITS_OFF,
} from '../gateway/gateway-process';
import { HEARTBEAT_INTERVAL_MS } from '../gateway/hosts';
import { seedGateway } from '../gateway/seeded';
import { reserveMany } from '../gateway/sessions';
import {
  type CallOutcome,
  closedLoop,
  HttpClient,
  type LoadResult,
  type MeasuredProcess,
  unexpected,
} from '../iam/load';
import { count, formatNumber, progress } from '../report';
import { type Suite, type SuiteContext } from '../suite';
import { NGINX_WORKERS } from './nginx';
import { peerGateways, startProxyPeers } from './peers';
import { hostStats, streamerStats } from './upstreams';
import { EchoClient, openSocket, SocketPool } from './websockets';

/** The gateway must reach this share of nginx's proxied requests/s (it does more: see the figure's name). */
export const TARGET_HTTP_VS_NGINX = 0.5;
/** Once upgraded a WebSocket is piped: the gateway must relay nearly as fast as nginx. */
export const TARGET_WS_VS_NGINX = 0.9;
/** Seed 002's ceiling for a gateway's memory, applied with at least 8,000 relayed WebSockets. */
export const TARGET_GATEWAY_RSS_MB = 512;
export const MIN_IDLE_SOCKETS = 8_000;
/** WebSocket clients ping-ponging at once, and the size of each message. */
const WS_CLIENTS = 50;
const MESSAGE_BYTES = 1024;
const USERS = 16;
const HOST_MAX_SESSIONS = 10_000;
const MAX_SESSIONS_PER_USER = 10_000;
/** File descriptors each process keeps for itself besides the sockets (database pool, listeners, logs). */
const FD_RESERVE = 1_500;
/** Idle sockets are a multiple of this (9,000 with an open-file limit of 20,000). */
const IDLE_SOCKETS_STEP = 500;
/** Upgrades in flight at once while the idle sockets open. */
const OPEN_PARALLEL = 64;
/** Relayed sockets cost the gateway two descriptors: more than this per socket, left after closing, is a leak. */
const FD_LEAK_TOLERANCE = 50;
const SOCKET_PATHS = [CAPTURE_PATH, CONTROL_PATH, AUDIO_PATH] as const;
const MB = 1024 * 1024;

function mb(bytes: number): number {
  return bytes / MB;
}

function ok(): CallOutcome {
  return { ok: true };
}

/** Microseconds of a process's CPU per call over a loop's measured window. */
function cpuPerCall(result: LoadResult): number {
  return result.calls > 0 && result.cpu.service !== undefined
    ? (result.cpu.service / result.calls) * 1e6
    : Number.NaN;
}

/** The soft open-file limit of a process (Linux /proc/<pid>/limits). */
export async function openFileLimit(pid: number | 'self'): Promise<number | undefined> {
  try {
    const limits = await readFile(`/proc/${pid}/limits`, 'utf8');
    const match = /^Max open files\s+([0-9]+|unlimited)/m.exec(limits);
    if (!match) return undefined;
    return match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
  } catch {
    return undefined;
  }
}

export async function openFiles(pid: number): Promise<number | undefined> {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return undefined;
  }
}

async function run(context: SuiteContext): Promise<void> {
  const { options, cleanup, record, detail } = context;
  const clients = options.clients;
  const users = Math.max(USERS, clients);
  const seconds = options.seconds;
  const warmupSeconds = options.quick ? 1 : 2;
  const timing = { warmupSeconds, seconds };
  const anomalies = anomalyLog(context, 'proxy');
  const { failedCalls } = anomalies;
  const anomaly = anomalies.add;

  const peers = await startProxyPeers(context, 'proxy', HOST_MAX_SESSIONS);
  const { host, streamer, nginx } = peers;

  detail('configuration', {
    clients,
    users,
    warmupSeconds,
    seconds,
    webSocketClients: WS_CLIENTS,
    messageBytes: MESSAGE_BYTES,
    nginx: peers.nginxInfo,
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    hostMaxSessions: HOST_MAX_SESSIONS,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    gatewayEnv: RATE_LIMITS_OFF,
  });
  progress(
    `proxy configuration: built-in IAM, rate limits off, gateway.maxSessionsPerUser ${count(MAX_SESSIONS_PER_USER)}; session host ${host.url}, echo streamer ${streamer.url}, nginx ${peers.nginxInfo.version} (${NGINX_WORKERS} workers) at ${nginx.url}`,
  );

  const { admin, launch, stop, checkNginx } = await peerGateways(peers, context, {
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    connections: Math.max(clients, WS_CLIENTS),
    anomaly,
  });

  // The gateway of the throughput figures, seeded through its built-in IAM's API.
  // gcOnSignal: its heap is read after a full GC once the /getConnection loop is over (tickets held).
  const main = await launch('gateway', { gcOnSignal: true });
  const { adminToken, tokenOf, selectOn, connect } = await seedGateway(main.http, admin, users, anomaly);
  /** `total` new sessions, each with the client whose user selected it (its token opens it). */
  const sessionsFor = async (
    http: HttpClient,
    total: number,
  ): Promise<{ client: number; sessionId: string }[]> =>
    (await reserveMany(total, Math.min(total, clients), selectOn(http))).sessionIds;

  // 1. GET /getConnection: straight to the host, through nginx, through the gateway.
  const httpSessions = await sessionsFor(main.http, clients);
  const first = await connect(main.http, httpSessions[0]!.client, httpSessions[0]!.sessionId);
  progress(
    `GET /getConnection through the gateway answers tickets for ${Object.keys(first.tickets).join(', ')} (streamer ${first.streamerGuid})`,
  );
  const hostHttp = new HttpClient(host.url, clients);
  const nginxHttp = new HttpClient(nginx.url, clients);
  cleanup.add('close the HTTP agents of the host and nginx', async () => {
    hostHttp.close();
    nginxHttp.close();
  });
  const plainGetConnection =
    (http: HttpClient) =>
    async (c: number): Promise<CallOutcome> => {
      const answer = await http.send('GET', getConnectionRoute.path, {
        headers: { [SESSION_ID_HEADER]: httpSessions[c]!.sessionId },
      });
      return answer.status === 200 && answer.body.startsWith('{"sessionId":"') ? ok() : unexpected(answer);
    };
  await collectGarbage(main.gateway);
  const gatewayMemoryBeforeHttp = await gatewayMemory(main.gateway);
  const hostBefore = await hostStats(host);
  const direct = await closedLoop({
    label: 'GET /getConnection straight to the session host',
    clients,
    ...timing,
    service: host,
    call: plainGetConnection(hostHttp),
  });
  failedCalls(direct);
  const viaNginx = await closedLoop({
    label: `GET /getConnection through nginx (${NGINX_WORKERS} workers, upstream keepalive)`,
    clients,
    ...timing,
    service: nginx,
    alsoMeasure: [host],
    call: plainGetConnection(nginxHttp),
  });
  failedCalls(viaNginx);
  const hostMiddle = await hostStats(host);
  const viaGateway = await closedLoop({
    label: 'GET /getConnection through the gateway (token, session, tickets)',
    clients,
    ...timing,
    service: main.gateway,
    alsoMeasure: [host],
    call: async (c) => {
      const { client, sessionId } = httpSessions[c]!;
      const answer = await main.http.send(getConnectionRoute.method, getConnectionRoute.path, {
        bearer: tokenOf(client),
        headers: { [SESSION_ID_HEADER]: sessionId },
      });
      return answer.status === 200 && answer.body.includes('"tickets":{"capture":"')
        ? ok()
        : unexpected(answer);
    },
  });
  failedCalls(viaGateway);
  const hostAfter = await hostStats(host);
  // Only the gateway injects the workspace contract; nginx and the direct calls must not carry it.
  const gatewayCalls = hostAfter.getConnection - hostMiddle.getConnection;
  const withContract = hostAfter.withContract - hostMiddle.withContract;
  if (withContract !== gatewayCalls)
    anomaly(
      `${count(gatewayCalls - withContract)} of ${count(gatewayCalls)} /getConnection calls the gateway forwarded lacked the workspace contract headers`,
    );
  if (hostMiddle.withContract !== hostBefore.withContract)
    anomaly('/getConnection calls from nginx or the bench reached the host with the workspace contract');
  if (hostAfter.withoutSessionId > 0)
    anomaly(
      `${count(hostAfter.withoutSessionId)} /getConnection calls reached the host without X-Session-ID`,
    );
  const gatewayMemoryAfterHttp = await gatewayMemory(main.gateway);
  await collectGarbage(main.gateway);
  const gatewayMemoryAfterHttpGc = await gatewayMemory(main.gateway);
  const describeMemory = (memory: GatewayMemory): string =>
    `RSS ${formatNumber(mb(memory.rssBytes))} MB, heap used ${formatNumber(mb(memory.heapUsedBytes ?? 0))} MB of ${formatNumber(mb(memory.heapTotalBytes ?? 0))} MB`;
  progress(
    `  gateway memory before the /getConnection loops (after GC): ${describeMemory(gatewayMemoryBeforeHttp)}; after them: ${describeMemory(gatewayMemoryAfterHttp)}, and after a full GC: ${describeMemory(gatewayMemoryAfterHttpGc)} (the tickets of the last gateway.webSocket.ticketTtl are held)`,
  );
  detail('http', {
    direct,
    viaNginx,
    viaGateway,
    host: hostAfter,
    gatewayMemoryBeforeHttp,
    gatewayMemoryAfterHttp,
    gatewayMemoryAfterHttpGc,
  });

  const gatewayDoes = 'token check, session lookup and update, 3 single-use tickets, answer rewritten';
  record({
    name: `GET /getConnection through the gateway (${gatewayDoes}) vs through nginx (${NGINX_WORKERS} workers, plain proxy), ${clients} clients`,
    value: viaGateway.perSecond,
    unit: 'requests/s',
    baseline: { name: 'the same through nginx', value: viaNginx.perSecond },
    targets: [{ of: 'ratio', op: '>=', threshold: TARGET_HTTP_VS_NGINX }],
  });
  record({
    name: `GET /getConnection through the gateway vs straight to the session host, ${clients} clients`,
    value: viaGateway.perSecond,
    unit: 'requests/s',
    baseline: { name: 'straight to the session host', value: direct.perSecond },
  });
  record({
    name: `GET /getConnection through nginx vs straight to the session host, ${clients} clients`,
    value: viaNginx.perSecond,
    unit: 'requests/s',
    baseline: { name: 'straight to the session host', value: direct.perSecond },
  });
  for (const [which, pick] of [
    ['p50', (r: LoadResult) => r.p50Ms],
    ['p99', (r: LoadResult) => r.p99Ms],
  ] as const) {
    record({
      name: `GET /getConnection latency ${which} through the gateway vs through nginx`,
      value: pick(viaGateway),
      unit: 'ms',
      baseline: { name: 'through nginx', value: pick(viaNginx) },
    });
    record({
      name: `GET /getConnection latency ${which} through nginx vs straight to the session host`,
      value: pick(viaNginx),
      unit: 'ms',
      baseline: { name: 'straight to the session host', value: pick(direct) },
    });
  }
  record({
    name: `gateway CPU per proxied /getConnection vs nginx's (master and workers)`,
    value: cpuPerCall(viaGateway),
    unit: 'µs/request',
    baseline: { name: "nginx's", value: cpuPerCall(viaNginx) },
  });
  record({
    name: 'session host CPU per /getConnection answered (straight, baseline of the upstream)',
    value: cpuPerCall(direct),
    unit: 'µs/request',
  });

  // 2. WebSocket round trips: 50 sockets ping-ponging 1 KB, each through the gateway (its own ticket), through
  // nginx, and straight to the streamer.
  const payload = randomBytes(MESSAGE_BYTES);
  const wsSessions = await sessionsFor(main.http, Math.ceil(WS_CLIENTS / SOCKET_PATHS.length));
  const gatewayWs = `ws://127.0.0.1:${main.gateway.port}`;
  const nginxWs = `ws://127.0.0.1:${nginx.port}`;
  const streamerWs = `ws://127.0.0.1:${streamer.port}`;
  const roundTrips = async (
    label: string,
    proxy: MeasuredProcess | undefined,
    urls: () => Promise<string[]>,
  ): Promise<LoadResult> => {
    const sockets = (await Promise.all((await urls()).map((url) => openSocket(url)))).map(
      (ws) => new EchoClient(ws),
    );
    const result = await closedLoop({
      label,
      clients: WS_CLIENTS,
      ...timing,
      service: proxy ?? streamer,
      alsoMeasure: proxy ? [streamer] : [],
      call: (c) => sockets[c]!.roundTrip(payload),
    });
    failedCalls(result);
    // An orderly close: the streamer answers the client's 1000 with its own.
    await Promise.all(
      sockets.map(
        (client) =>
          new Promise<void>((done) => {
            if (client.closeCode !== undefined) return done();
            client.ws.once('close', () => done());
            client.ws.close(1000, 'bench done');
          }),
      ),
    );
    const codes: Record<string, number> = {};
    for (const client of sockets)
      codes[String(client.closeCode)] = (codes[String(client.closeCode)] ?? 0) + 1;
    const errors = sockets.flatMap((client) => client.errors);
    if (Object.keys(codes).some((code) => code !== '1000') || errors.length > 0)
      anomaly(
        `${label}: the clients' sockets closed with ${describeCounts(codes)}${errors.length ? `; errors: ${errors.slice(0, 5).join('; ')}` : ''}`,
      );
    return result;
  };
  const streamerBefore = await streamerStats(streamer);
  const wsDirect = await roundTrips('WebSocket round trips straight to the echo streamer', undefined, () =>
    Promise.resolve(
      Array.from({ length: WS_CLIENTS }, (_, i) => `${streamerWs}${SOCKET_PATHS[i % SOCKET_PATHS.length]}`),
    ),
  );
  const wsNginx = await roundTrips(`WebSocket round trips through nginx`, nginx, () =>
    Promise.resolve(
      Array.from({ length: WS_CLIENTS }, (_, i) => `${nginxWs}${SOCKET_PATHS[i % SOCKET_PATHS.length]}`),
    ),
  );
  const wsGateway = await roundTrips('WebSocket round trips through the gateway', main.gateway, async () => {
    const grants = await Promise.all(
      wsSessions.map(({ client, sessionId }) => connect(main.http, client, sessionId)),
    );
    return Array.from({ length: WS_CLIENTS }, (_, i) => {
      const grant = grants[Math.floor(i / SOCKET_PATHS.length)]!;
      const path = SOCKET_PATHS[i % SOCKET_PATHS.length]!;
      const ticket = grant.tickets[path.slice(1) as keyof GetConnectionResponse['tickets']];
      return `${gatewayWs}${path}?${WS_TICKET_QUERY_PARAM}=${encodeURIComponent(ticket)}`;
    });
  });
  await sleep(200);
  const streamerAfter = await streamerStats(streamer);
  const streamerCodes: Record<string, number> = {};
  for (const [code, times] of Object.entries(streamerAfter.closeCodes)) {
    const delta = times - (streamerBefore.closeCodes[code] ?? 0);
    if (delta > 0) streamerCodes[code] = delta;
  }
  if (Object.keys(streamerCodes).some((code) => code !== '1000'))
    anomaly(`the echo streamer saw its sockets close with ${describeCounts(streamerCodes)} (1000 expected)`);
  if (streamerAfter.open !== 0) anomaly(`the echo streamer still holds ${count(streamerAfter.open)} sockets`);
  detail('webSockets', { wsDirect, wsNginx, wsGateway, streamer: streamerAfter });

  record({
    name: `WebSocket round trips through the gateway vs through nginx, ${WS_CLIENTS} sockets ping-ponging ${count(MESSAGE_BYTES)} bytes`,
    value: wsGateway.perSecond,
    unit: 'round trips/s',
    baseline: { name: 'the same through nginx', value: wsNginx.perSecond },
    targets: [{ of: 'ratio', op: '>=', threshold: TARGET_WS_VS_NGINX }],
  });
  record({
    name: `WebSocket round trips through nginx vs straight to the echo streamer, ${WS_CLIENTS} sockets`,
    value: wsNginx.perSecond,
    unit: 'round trips/s',
    baseline: { name: 'straight to the echo streamer', value: wsDirect.perSecond },
  });
  record({
    name: `WebSocket round trip latency p99 through the gateway vs through nginx, ${WS_CLIENTS} sockets`,
    value: wsGateway.p99Ms,
    unit: 'ms',
    baseline: { name: 'through nginx', value: wsNginx.p99Ms },
  });
  record({
    name: `gateway CPU per relayed round trip (2 messages) vs nginx's`,
    value: cpuPerCall(wsGateway),
    unit: 'µs/round trip',
    baseline: { name: "nginx's", value: cpuPerCall(wsNginx) },
  });
  await stop(main.gateway, main.http);

  // 3. Idle relayed WebSockets: as many as the open-file limits allow, on a fresh gateway.
  const idle = await launch('gateway (idle sockets)', { gcOnSignal: true });
  const limits = {
    gateway: await openFileLimit(idle.gateway.pid),
    bench: await openFileLimit('self'),
    streamer: await openFileLimit(streamer.pid),
  };
  const room = Math.min(
    ((limits.gateway ?? 20_000) - FD_RESERVE) / 2,
    (limits.bench ?? 20_000) - FD_RESERVE,
    (limits.streamer ?? 20_000) - FD_RESERVE,
  );
  const sockets = Math.floor(room / IDLE_SOCKETS_STEP) * IDLE_SOCKETS_STEP;
  const sessionCount = Math.ceil(sockets / SOCKET_PATHS.length);
  progress(
    `open-file limits: gateway ${count(limits.gateway ?? 0)}, bench ${count(limits.bench ?? 0)}, streamer ${count(limits.streamer ?? 0)}: ${count(sockets)} relayed sockets (${count(sessionCount)} sessions, 3 sockets each)${sockets < MIN_IDLE_SOCKETS ? `, FEWER than ${count(MIN_IDLE_SOCKETS)}` : ''}`,
  );
  if (sockets < MIN_IDLE_SOCKETS)
    anomaly(
      `the open-file limits allow only ${count(sockets)} relayed sockets, under ${count(MIN_IDLE_SOCKETS)}`,
    );
  const reading = async (): Promise<{ asIs: GatewayMemory; collected: GatewayMemory; fds?: number }> => {
    await sleep(1_000);
    const asIs = await gatewayMemory(idle.gateway);
    await collectGarbage(idle.gateway);
    const collected = await gatewayMemory(idle.gateway);
    const fds = await openFiles(idle.gateway.pid);
    return { asIs, collected, ...(fds !== undefined ? { fds } : {}) };
  };
  const describeReading = (r: { asIs: GatewayMemory; collected: GatewayMemory; fds?: number }): string =>
    `RSS ${formatNumber(mb(r.asIs.rssBytes))} MB (${formatNumber(mb(r.collected.rssBytes))} MB after GC), heap used after GC ${formatNumber(mb(r.collected.heapUsedBytes ?? 0))} MB, ${count(r.fds ?? 0)} open files`;
  const none = await reading();
  progress(`${idle.gateway.name} with no socket: ${describeReading(none)}`);
  progress(`selecting ${count(sessionCount)} sessions`);
  const idleSessions = await sessionsFor(idle.http, sessionCount);
  const withSessions = await reading();
  progress(`  with ${count(sessionCount)} sessions selected, no socket: ${describeReading(withSessions)}`);

  // Each session's tickets are fetched when its first socket opens (they live gateway.webSocket.ticketTtl).
  const grants = new Map<number, Promise<GetConnectionResponse>>();
  const grantOf = (s: number): Promise<GetConnectionResponse> => {
    let grant = grants.get(s);
    if (grant === undefined) {
      const { client, sessionId } = idleSessions[s]!;
      grant = connect(idle.http, client, sessionId);
      grants.set(s, grant);
    }
    return grant;
  };
  const pool = new SocketPool();
  cleanup.add(
    'close the idle WebSockets',
    async () => void (await pool.closeAll(1001, 'bench cleanup', 5_000)),
  );
  const idleWs = `ws://127.0.0.1:${idle.gateway.port}`;
  progress(`opening ${count(sockets)} WebSockets through the gateway, ${OPEN_PARALLEL} at a time`);
  const t0 = performance.now();
  let lastReport = t0;
  const opened = await pool.openMany(
    sockets,
    OPEN_PARALLEL,
    async (i) => {
      const path = SOCKET_PATHS[i % SOCKET_PATHS.length]!;
      const grant = await grantOf(Math.floor(i / SOCKET_PATHS.length));
      const ticket = grant.tickets[path.slice(1) as keyof GetConnectionResponse['tickets']];
      return `${idleWs}${path}?${WS_TICKET_QUERY_PARAM}=${encodeURIComponent(ticket)}`;
    },
    (n) => {
      if (performance.now() - lastReport < 5_000) return;
      lastReport = performance.now();
      progress(`  ${count(n)} of ${count(sockets)} open`);
    },
  );
  const openSeconds = (performance.now() - t0) / 1000;
  progress(
    `  ${count(opened)} opened in ${openSeconds.toFixed(1)} s = ${formatNumber(opened / openSeconds)}/s (with /getConnection for every 3)`,
  );
  if (opened < sockets)
    anomaly(`only ${count(opened)} of ${count(sockets)} WebSockets opened: ${describeCounts(pool.failures)}`);
  const held = await reading();
  const streamerHolding = await streamerStats(streamer);
  const listed = await idle.http.send(adminWebSocketsRoute.method, adminWebSocketsRoute.path, {
    bearer: adminToken,
  });
  const listedCount =
    listed.status === 200 ? (JSON.parse(listed.body) as { items: unknown[] }).items.length : undefined;
  progress(
    `  holding ${count(pool.openCount)} sockets: ${describeReading(held)}; the streamer holds ${count(streamerHolding.open)}, the gateway lists ${listedCount === undefined ? `nothing (HTTP ${listed.status})` : count(listedCount)}`,
  );
  if (pool.openCount !== opened || streamerHolding.open !== opened || listedCount !== opened)
    anomaly(
      `${count(opened)} sockets opened, but ${count(pool.openCount)} are open at the clients, ${count(streamerHolding.open)} at the streamer and the gateway lists ${String(listedCount)}; closed early: ${describeCounts(pool.closedEarly)}`,
    );

  progress(`closing the ${count(opened)} sockets (1000 from the clients)`);
  const streamerBeforeClose = await streamerStats(streamer);
  const left = await pool.closeAll(1000, 'bench done');
  if (left > 0) anomaly(`${count(left)} sockets did not close within 30 s of the clients' close frames`);
  let afterClose = await streamerStats(streamer);
  for (let i = 0; i < 50 && afterClose.open > 0; i += 1) {
    await sleep(100);
    afterClose = await streamerStats(streamer);
  }
  const closedCodes: Record<string, number> = {};
  for (const [code, times] of Object.entries(afterClose.closeCodes)) {
    const delta = times - (streamerBeforeClose.closeCodes[code] ?? 0);
    if (delta > 0) closedCodes[code] = delta;
  }
  progress(
    `  the clients saw ${describeCounts(pool.closeCodes)}; the streamer saw ${describeCounts(closedCodes)} and holds ${count(afterClose.open)}`,
  );
  if (Object.keys(pool.closeCodes).some((code) => code !== '1000'))
    anomaly(`idle sockets: the clients saw close codes ${describeCounts(pool.closeCodes)} (1000 expected)`);
  if (Object.keys(closedCodes).some((code) => code !== '1000'))
    anomaly(`idle sockets: the streamer saw close codes ${describeCounts(closedCodes)} (1000 expected)`);
  if (afterClose.open > 0)
    anomaly(`the streamer still holds ${count(afterClose.open)} sockets after closing`);
  const released = await reading();
  const listedAfter = await idle.http.send(adminWebSocketsRoute.method, adminWebSocketsRoute.path, {
    bearer: adminToken,
  });
  const listedAfterCount =
    listedAfter.status === 200
      ? (JSON.parse(listedAfter.body) as { items: unknown[] }).items.length
      : undefined;
  progress(
    `  after closing: ${describeReading(released)}; the gateway lists ${String(listedAfterCount)} sockets`,
  );
  if (listedAfterCount !== 0)
    anomaly(`the gateway still lists ${String(listedAfterCount)} relayed sockets after closing`);
  if (
    released.fds !== undefined &&
    withSessions.fds !== undefined &&
    released.fds - withSessions.fds > FD_LEAK_TOLERANCE
  )
    anomaly(
      `the gateway has ${count(released.fds - withSessions.fds)} more open files after every socket closed than before they opened`,
    );

  const perSocket = (after: number | undefined, before: number | undefined): number =>
    after !== undefined && before !== undefined && opened > 0 ? (after - before) / opened : Number.NaN;
  const rssPerSocket = perSocket(held.collected.rssBytes, withSessions.collected.rssBytes);
  const heapPerSocket = perSocket(held.collected.heapUsedBytes, withSessions.collected.heapUsedBytes);
  const fdsPerSocket = perSocket(held.fds, withSessions.fds);
  const heapLeftPerSocket = perSocket(released.collected.heapUsedBytes, withSessions.collected.heapUsedBytes);
  detail('idleSockets', {
    limits,
    sockets,
    sessions: sessionCount,
    opened,
    openSeconds,
    failures: pool.failures,
    closedEarly: pool.closedEarly,
    clientCloseCodes: pool.closeCodes,
    clientErrors: pool.errors,
    streamerCloseCodes: closedCodes,
    none,
    withSessions,
    held,
    released,
    listed: listedCount,
    listedAfter: listedAfterCount,
    rssPerSocket,
    heapPerSocket,
    fdsPerSocket,
    heapLeftPerSocket,
  });
  const holding = `${count(opened)} idle relayed WebSockets (${count(sessionCount)} sessions)`;
  record({
    name: `gateway RSS holding ${holding}, vs with none`,
    value: mb(held.asIs.rssBytes),
    unit: 'MB',
    baseline: { name: 'the same gateway with none (hosts registered)', value: mb(none.asIs.rssBytes) },
    targets: [{ of: 'value', op: '<=', threshold: TARGET_GATEWAY_RSS_MB }],
  });
  record({
    name: `gateway RSS after a full GC holding ${holding}, vs with none after GC`,
    value: mb(held.collected.rssBytes),
    unit: 'MB',
    baseline: { name: 'the same gateway with none, after GC', value: mb(none.collected.rssBytes) },
    targets: [{ of: 'value', op: '<=', threshold: TARGET_GATEWAY_RSS_MB }],
  });
  record({
    name: `gateway RSS per relayed WebSocket (after GC, over the sessions alone)`,
    value: rssPerSocket,
    unit: 'bytes',
  });
  record({
    name: `gateway heap per relayed WebSocket (after GC, over the sessions alone)`,
    value: heapPerSocket,
    unit: 'bytes',
  });
  record({
    name: 'gateway open files per relayed WebSocket',
    value: fdsPerSocket,
    unit: 'fds',
  });
  record({
    name: `gateway heap still held per WebSocket once all ${count(opened)} closed (after GC, over the sessions alone)`,
    value: heapLeftPerSocket,
    unit: 'bytes',
  });
  record({
    name: `WebSocket upgrades through the gateway (ticket, session lookup, streamer connect; a /getConnection per 3), ${OPEN_PARALLEL} at a time`,
    value: opened / openSeconds,
    unit: 'upgrades/s',
  });
  await stop(idle.gateway, idle.http);

  checkNginx();
  anomalies.conclude(
    'every call got the expected answer, every socket closed 1000, nothing logged at warn or above',
  );
}

export const proxySuite: Suite = {
  name: 'proxy',
  description:
    'proxy: GET /getConnection and WebSocket round trips through the gateway vs nginx and straight to the upstream; gateway RSS holding 8,000+ idle relayed WebSockets',
  run,
};
