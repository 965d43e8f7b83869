// The proxy suite's second measurement: WebSocket round trips, each socket's messages echoed by the
// streamer, through the gateway against through nginx and straight to the streamer.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type GetConnectionResponse, WS_TICKET_QUERY_PARAM } from '@webstream/contracts';
import { describeCounts } from '../anomalies';
import { closedLoop, type LoadResult, type MeasuredProcess } from '../iam/load';
import { count } from '../report';
import { cpuPerCall, MESSAGE_BYTES, type ProxyStage, SOCKET_PATHS, WS_CLIENTS } from './stage';
import { streamerStats } from './upstreams';
import { EchoClient, openSocket } from './websockets';

/** Once upgraded a WebSocket is piped: the gateway must relay nearly as fast as nginx. */
export const TARGET_WS_VS_NGINX = 0.9;

export async function measureRoundTrips(stage: ProxyStage): Promise<void> {
  const { record, detail } = stage.context;
  const { timing, main, sessionsFor } = stage;
  const { streamer, nginx } = stage.peers;
  const { connect } = stage.seeded;
  const { failedCalls } = stage.anomalies;
  const anomaly = stage.anomalies.add;

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
}
