// Scenario C, routing throughput: the gateway's overhead on /getConnection over the host straight, measured
// at a fixed rate in a mix with session select and status, against nginx's overhead at the same rate.
import { sessionSelectRoute, sessionStatusRoute } from '@webstream/contracts';
import { closedLoop, type HttpClient, type MeasuredProcess } from '../iam/load';
import { plainGetConnection } from '../proxy/upstreams';
import { count, formatNumber, progress } from '../report';
import { openLoop } from './open-loop';
import { LOAD_SHARE, type Outcome, SCENARIOS, type ScenarioStage } from './stage';

/** C's mix, then the plain /getConnection loops; answers the mix's rate (D runs at it too). */
export async function routingThroughput(stage: ScenarioStage): Promise<number> {
  const { options, record, detail } = stage.context;
  const { timing, gateway, sessions, hostHttp, nginxHttp } = stage;
  const { getConnection, connected, select, status, statusOk, checkOpenLoop } = stage;
  const { host, nginx } = stage.peers;
  const { failedCalls } = stage.anomalies;

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
      call: (_k, client) => plainGetConnection(target, sessions[client]!.sessionId),
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
  return rate;
}
