// Scenario D, the correlation id: what carrying an X-Correlation-ID costs a request, and whether it is echoed
// and reaches the session host (or one is generated when none is sent).
import { randomBytes } from 'node:crypto';
import { sessionStatusRoute } from '@webstream/contracts';
import { CORRELATION_ID_HEADER } from '@webstream/service-kit';
import { hostStats } from '../proxy/upstreams';
import { count, formatNumber, progress } from '../report';
import { openLoop } from './open-loop';
import { full, percent, SCENARIOS, type ScenarioStage } from './stage';

/** At `rate`, C's rate: the ids' cost is measured under the same load as the routing overhead. */
export async function correlationId(stage: ScenarioStage, rate: number): Promise<void> {
  const { record, detail } = stage.context;
  const { timing, gateway, getConnection, connected, status, statusOk, checkOpenLoop } = stage;
  const { host } = stage.peers;

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
}
