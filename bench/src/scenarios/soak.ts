// Scenario G, the steady-state soak: whether the gateway's memory holds steady under a long load.
import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayHealthRoute, HEALTH_LIVE_PATH } from '@webstream/contracts';
import { closedLoop } from '../iam/load';
import { count, formatNumber, progress } from '../report';
import { memorySample, type MemorySample, sampling, slope } from './sampling';
import { expect200, type Outcome, SCENARIOS, type ScenarioStage, TICKET_TTL_SECONDS } from './stage';

const MB = 1024 * 1024;

export async function steadyStateSoak(stage: ScenarioStage): Promise<void> {
  const { options, record, detail } = stage.context;
  const { warmupSeconds, gateway, http, getConnection, connected, status, statusOk } = stage;
  const { failedCalls } = stage.anomalies;
  const anomaly = stage.anomalies.add;

  // G. Steady-state soak: 50 clients cycling through /getConnection, session status and both probes, the
  // gateway's memory sampled as it goes (the slopes), and its heap after a full GC at rest before and after
  // (the verdict: what the soak's requests left behind).
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
}
