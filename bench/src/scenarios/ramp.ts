// Scenario F, the connection ramp: the gateway taking 1,000 keep-alive clients, each on its own socket, with
// no 503 and no connection error.
import { HEALTH_LIVE_PATH } from '@webstream/contracts';
import { describeCounts } from '../anomalies';
import { closedLoop, HttpClient, type LoadResult } from '../iam/load';
import { openFiles } from '../proxy/open-files';
import { count, progress } from '../report';
import { sampling } from './sampling';
import { SCENARIOS, type ScenarioStage } from './stage';

/** `aLive` is A's GET /health/live with A's clients: the same request with few clients. */
export async function connectionRamp(stage: ScenarioStage, aLive: LoadResult): Promise<void> {
  const { options, cleanup, record, detail } = stage.context;
  const { gateway, get200 } = stage;
  const seconds = options.seconds;

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
}
