// The proxy suite's last measurement: the gateway's memory and open files holding as many idle relayed
// WebSockets as the open-file limits allow, how fast they open, and what is left once they close.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  adminWebSocketsRoute,
  type GetConnectionResponse,
  WS_TICKET_QUERY_PARAM,
} from '@webstream/contracts';
import { describeCounts } from '../anomalies';
import { collectGarbage, type GatewayMemory, gatewayMemory, mb } from '../gateway/gateway-process';
import { count, formatNumber, progress } from '../report';
import { openFileLimit, openFiles } from './open-files';
import { type ProxyStage, SOCKET_PATHS } from './stage';
import { streamerStats } from './upstreams';
import { SocketPool } from './websockets';

/** Seed 002's ceiling for a gateway's memory, applied with at least 8,000 relayed WebSockets. */
export const TARGET_GATEWAY_RSS_MB = 512;
export const MIN_IDLE_SOCKETS = 8_000;
/** File descriptors each process keeps for itself besides the sockets (database pool, listeners, logs). */
const FD_RESERVE = 1_500;
/** Idle sockets are a multiple of this (9,000 with an open-file limit of 20,000). */
const IDLE_SOCKETS_STEP = 500;
/** Upgrades in flight at once while the idle sockets open. */
const OPEN_PARALLEL = 64;
/** Relayed sockets cost the gateway two descriptors: more than this per socket, left after closing, is a leak. */
const FD_LEAK_TOLERANCE = 50;

export async function measureIdleSockets(stage: ProxyStage): Promise<void> {
  const { cleanup, record, detail } = stage.context;
  const { launch, stop } = stage.gateways;
  const { streamer } = stage.peers;
  const { adminToken, connect } = stage.seeded;
  const { sessionsFor } = stage;
  const anomaly = stage.anomalies.add;

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
}
