// Scenario E, the rate-limit boundary: many clients of one user hammer one limited route group of a gateway
// whose limit for it is `limit` requests per `windowSeconds`, for a few windows. The gateway's windows slide
// (sub-second buckets), so what it admits comes in generations: `limit` at once, then nothing until those leave
// the window, then `limit` again. Counted by the moment each answer arrives, every window of the run starting
// at the first request must hold exactly `limit` admissions; every answer must carry the X-RateLimit-* headers,
// and every 429 a Retry-After, after which a retry is admitted.
import { setTimeout as sleep } from 'node:timers/promises';
import { SESSION_ID_HEADER, sessionStatusRoute } from '@webstream/contracts';
import { describeCounts } from '../anomalies';
import { type CallOutcome, closedLoop, HttpClient, type LoadResult, unexpected } from '../iam/load';
import { count, progress } from '../report';
import { type ServiceProcess } from '../service';
import { full, percent, SCENARIOS, type ScenarioStage } from './stage';

/** What every limited answer carries (names lower-cased, as Node gives them). */
export const RATE_LIMIT_HEADERS = [
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'ratelimit',
  'ratelimit-policy',
] as const;
/** GET /gateway/session/status of a session nobody selected: 200 `none`, a store lookup. */
const UNKNOWN_SESSION = 'bench-rate-limit-probe';

/** WEBSTREAM__* overrides: the session group limited to `limit` per `windowSeconds` and the user's alone binding. */
export function sessionLimitEnv(limit: number, windowSeconds: number): Record<string, string> {
  const group = 'WEBSTREAM__GATEWAY__RATELIMITS__SESSION';
  return {
    WEBSTREAM__GATEWAY__RATELIMITS__ENABLED: 'true',
    [`${group}__PERIDENTITY__LIMIT`]: String(limit),
    [`${group}__PERIDENTITY__WINDOWSECONDS`]: String(windowSeconds),
    // The organization's limit far above: the user's is the one at its boundary.
    [`${group}__PERTENANT__LIMIT`]: String(limit * 1_000),
    [`${group}__PERTENANT__WINDOWSECONDS`]: String(windowSeconds),
  };
}

export interface RateLimitRun {
  limit: number;
  windowSeconds: number;
  windows: number;
  load: LoadResult;
  /** Admissions (200) in each window of the run, counted by the answer's arrival. */
  admittedPerWindow: number[];
  admitted: number;
  admittedWithHeaders: number;
  refused: number;
  /** 429s with Retry-After (a whole number of seconds, 1 to the window rounded up) and every X-RateLimit header. */
  refusedWithHeaders: number;
  /** What was wrong with the others, by what. */
  badAnswers: Record<string, number>;
  /** The 429s the gateway counted (gateway_rate_limit_exceeded_total{group="session"}). */
  gatewayRefusals: number;
  /** The last 429's Retry-After, and what a request sent that many seconds later got. */
  retry: { afterSeconds: number; status: number } | undefined;
}

export async function rateLimitBoundary(options: {
  gateway: ServiceProcess;
  http: HttpClient;
  /** One user's token: every client is that user. */
  bearer: string;
  clients: number;
  limit: number;
  windowSeconds: number;
  windows: number;
}): Promise<RateLimitRun> {
  const { http, bearer, limit, windowSeconds } = options;
  const admittedAt: number[] = [];
  const badAnswers: Record<string, number> = {};
  const bad = (what: string): void => void (badAnswers[what] = (badAnswers[what] ?? 0) + 1);
  let firstSent = Number.POSITIVE_INFINITY;
  let admittedWithHeaders = 0;
  let refused = 0;
  let refusedWithHeaders = 0;
  let lastRetryAfter: number | undefined;
  const probe = () =>
    http.send(sessionStatusRoute.method, sessionStatusRoute.path, {
      bearer,
      headers: { [SESSION_ID_HEADER]: UNKNOWN_SESSION },
    });
  const call = async (): Promise<CallOutcome> => {
    const sentAt = performance.now();
    if (sentAt < firstSent) firstSent = sentAt;
    const answer = await probe();
    const arrivedAt = performance.now();
    const headers = answer.headers;
    const missing = RATE_LIMIT_HEADERS.filter((name) => typeof headers[name] !== 'string');
    for (const name of missing) bad(`${answer.status} without ${name}`);
    if (headers['x-ratelimit-limit'] !== undefined && headers['x-ratelimit-limit'] !== String(limit))
      bad(`X-RateLimit-Limit ${String(headers['x-ratelimit-limit'])}, not ${limit}`);
    if (answer.status === 200) {
      admittedAt.push(arrivedAt);
      if (missing.length === 0) admittedWithHeaders += 1;
      return { ok: true };
    }
    if (answer.status !== 429) return unexpected(answer);
    refused += 1;
    const retryAfter = Number(headers['retry-after']);
    const retryOk = Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= Math.ceil(windowSeconds);
    if (!retryOk) bad(`429 with Retry-After ${JSON.stringify(headers['retry-after'])}`);
    if (headers['x-ratelimit-remaining'] !== '0')
      bad(`429 with X-RateLimit-Remaining ${String(headers['x-ratelimit-remaining'])}`);
    if (retryOk && missing.length === 0 && headers['x-ratelimit-remaining'] === '0') refusedWithHeaders += 1;
    if (retryOk) lastRetryAfter = retryAfter;
    return { ok: true };
  };

  const load = await closedLoop({
    label: `E: GET ${sessionStatusRoute.path} as one user, session group limited to ${count(limit)} per ${windowSeconds} s`,
    clients: options.clients,
    warmupSeconds: 0,
    seconds: options.windows * windowSeconds,
    service: options.gateway,
    call,
  });
  const admittedPerWindow = Array.from({ length: options.windows }, (_, i) => {
    const from = firstSent + i * windowSeconds * 1000;
    const to = from + windowSeconds * 1000;
    return admittedAt.filter((t) => t >= from && t < to).length;
  });
  progress(
    `  admitted per ${windowSeconds} s window: ${admittedPerWindow.map(count).join(', ')} (limit ${count(limit)}); ${count(refused)} refused with 429`,
  );
  const gatewayRefusals = await options.gateway.seriesSum('gateway_rate_limit_exceeded_total', {
    group: 'session',
  });

  let retry: RateLimitRun['retry'];
  if (lastRetryAfter !== undefined) {
    await sleep(lastRetryAfter * 1000);
    retry = { afterSeconds: lastRetryAfter, status: (await probe()).status };
    progress(`  a request ${lastRetryAfter} s after the last 429 (its Retry-After) answered ${retry.status}`);
  }
  return {
    limit,
    windowSeconds,
    windows: options.windows,
    load,
    admittedPerWindow,
    admitted: admittedAt.length,
    admittedWithHeaders,
    refused,
    refusedWithHeaders,
    badAnswers,
    gatewayRefusals,
    retry,
  };
}

/** E on a gateway of its own, started and stopped here, with the session group's limits on. */
export async function rateLimitScenario(stage: ScenarioStage): Promise<void> {
  const { options, cleanup, record, detail } = stage.context;
  const { launch, stop } = stage.gateways;
  const { gatewayEnv, tokenOf } = stage;
  const { failedCalls } = stage.anomalies;
  const anomaly = stage.anomalies.add;

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
}
