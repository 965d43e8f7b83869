// bench/scenarios: seed 002's k6 load scenarios A to G, mapped onto WebStream's routes and scaled down from
// minutes to seconds, against the real gateway (built-in IAM, a child process on a fresh database) with the
// proxy suite's peers: the stand-in session host and echo streamer, and nginx as the in-run baseline.
//
//   A health baseline        GET /health/live and GET /gateway/health, 10 clients: p95 < 10 ms
//   B OpenAPI aggregation    GET /openapi.json, 50 clients: p95 < 200 ms
//   C routing throughput     /getConnection, session select and status mixed, 200 clients at a fixed rate:
//                            the gateway's overhead over the host straight, p50 < 2 ms, p99 < 5 ms
//   D correlation id         the same requests with and without X-Correlation-ID: p95 overhead < 5 ms, echoed
//                            and propagated to the host
//   E rate-limit boundary    100 clients of one user against the limited session group (rate-limit.ts)
//   F connection ramp        to 1,000 keep-alive clients on GET /health/live: no 503, no connection error
//   G steady-state soak      50 clients for --soak seconds, the gateway's memory after GC sampled: its slope
import { gatewayMemory } from '../gateway/gateway-process';
import { type Suite, type SuiteContext } from '../suite';
import { correlationId } from './correlation';
import { healthBaseline } from './health';
import { openApiAggregation } from './openapi';
import { connectionRamp } from './ramp';
import { rateLimitScenario } from './rate-limit';
import { routingThroughput } from './routing';
import { steadyStateSoak } from './soak';
import { setUpScenarios } from './stage';

async function run(context: SuiteContext): Promise<void> {
  const { detail } = context;
  const stage = await setUpScenarios(context);
  const { gateway, http, gateways, anomalies } = stage;
  const aLive = await healthBaseline(stage);
  await openApiAggregation(stage);
  const rate = await routingThroughput(stage);
  await correlationId(stage, rate);
  // G before F, whose 1,000 sockets would leave garbage behind.
  await steadyStateSoak(stage);
  await connectionRamp(stage, aLive);
  detail('gatewayMemoryAfter', await gatewayMemory(gateway));
  await gateways.stop(gateway, http);

  await rateLimitScenario(stage);

  gateways.checkNginx();
  anomalies.conclude('every call got the expected answer, nothing logged at warn or above');
}

export const scenariosSuite: Suite = {
  name: 'scenarios',
  description:
    "seed 002's load scenarios A to G on the gateway's routes: health, OpenAPI, routing overhead vs the host and nginx, correlation ids, rate-limit boundary, 1,000-client ramp, memory soak",
  run,
};
