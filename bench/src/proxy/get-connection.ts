// The proxy suite's first measurement: GET /getConnection proxied to the stand-in session host (requests/s,
// latency, CPU per request) through the gateway, against nginx's plain proxy and the host straight, and the
// gateway's memory around the loops.
import { getConnectionRoute, SESSION_ID_HEADER } from '@webstream/contracts';
import { collectGarbage, describeMemory, gatewayMemory } from '../gateway/gateway-process';
import { closedLoop, HttpClient, type LoadResult, ok, unexpected } from '../iam/load';
import { count, progress } from '../report';
import { NGINX_WORKERS } from './nginx';
import { cpuPerCall, type ProxyStage } from './stage';
import { hostStats, plainGetConnection } from './upstreams';

/** The gateway must reach this share of nginx's proxied requests/s (it does more: see the figure's name). */
export const TARGET_HTTP_VS_NGINX = 0.5;

export async function measureGetConnection(stage: ProxyStage): Promise<void> {
  const { cleanup, record, detail } = stage.context;
  const { clients, timing, main, sessionsFor } = stage;
  const { host, nginx } = stage.peers;
  const { tokenOf, connect } = stage.seeded;
  const { failedCalls } = stage.anomalies;
  const anomaly = stage.anomalies.add;

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
  await collectGarbage(main.gateway);
  const gatewayMemoryBeforeHttp = await gatewayMemory(main.gateway);
  const hostBefore = await hostStats(host);
  const direct = await closedLoop({
    label: 'GET /getConnection straight to the session host',
    clients,
    ...timing,
    service: host,
    call: (c) => plainGetConnection(hostHttp, httpSessions[c]!.sessionId),
  });
  failedCalls(direct);
  const viaNginx = await closedLoop({
    label: `GET /getConnection through nginx (${NGINX_WORKERS} workers, upstream keepalive)`,
    clients,
    ...timing,
    service: nginx,
    alsoMeasure: [host],
    call: (c) => plainGetConnection(nginxHttp, httpSessions[c]!.sessionId),
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
}
