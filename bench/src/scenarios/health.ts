// Scenario A, the health baseline: the gateway's probes against nginx's fixed 200 and a bare Node server's
// fixed answer, the same clients on each.
import { gatewayHealthRoute, HEALTH_LIVE_PATH } from '@webstream/contracts';
import { closedLoop, type HttpClient, type LoadResult, type MeasuredProcess } from '../iam/load';
import { SCENARIOS, type ScenarioStage } from './stage';

/** The echo streamer's fixed answer (bench/src/proxy/upstream.ts): a bare node:http server's cheapest request. */
const BARE_NODE_PATH = '/health/ready';
/** nginx's fixed answer (nginx.ts): the baseline of a health probe. */
const NGINX_READY_PATH = '/bench-ready';

export async function healthBaseline(stage: ScenarioStage): Promise<LoadResult> {
  const { record, detail } = stage.context;
  const { timing, gateway, http, nginxHttp, bareNodeHttp, get200 } = stage;
  const { nginx, streamer } = stage.peers;
  const { failedCalls } = stage.anomalies;

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
  return aLive;
}
