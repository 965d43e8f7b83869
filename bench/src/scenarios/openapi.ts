// Scenario B, OpenAPI aggregation: the gateway's cached document against nginx serving the same bytes from a
// file, and the first answer, which builds it.
import {
  type CallOutcome,
  closedLoop,
  type HttpAnswer,
  type HttpClient,
  type MeasuredProcess,
  ok,
  unexpected,
} from '../iam/load';
import { OPENAPI_JSON_PATH, SCENARIOS, type ScenarioStage } from './stage';

export async function openApiAggregation(stage: ScenarioStage): Promise<void> {
  const { record, detail } = stage.context;
  const { timing, gateway, http, nginxHttp, firstDocument, firstDocumentMs, documentBytes } = stage;
  const { nginx } = stage.peers;
  const { failedCalls } = stage.anomalies;

  // B. OpenAPI aggregation: the cached document, against nginx serving its bytes from a file.
  const sameDocument = (answer: HttpAnswer): CallOutcome =>
    answer.status === 200 && answer.body.length === firstDocument.body.length ? ok() : unexpected(answer);
  const documentLoop = (label: string, target: HttpClient, service: MeasuredProcess) =>
    closedLoop({
      label,
      clients: SCENARIOS.B.clients,
      ...timing,
      service,
      call: async () => sameDocument(await target.send('GET', OPENAPI_JSON_PATH)),
    });
  const bGateway = await documentLoop(`B: GET ${OPENAPI_JSON_PATH} from the gateway`, http, gateway);
  const bNginx = await documentLoop(`B: the same bytes from nginx (a file)`, nginxHttp, nginx);
  for (const result of [bGateway, bNginx]) failedCalls(result);
  detail('B', { firstDocumentMs, documentBytes, gateway: bGateway, nginx: bNginx });
  const b = SCENARIOS.B;
  record({
    name: `B OpenAPI aggregation: GET ${OPENAPI_JSON_PATH} latency p95, ${b.clients} clients, vs nginx serving it as a file`,
    value: bGateway.p95Ms,
    unit: 'ms',
    baseline: { name: 'nginx, the same bytes from a file', value: bNginx.p95Ms },
    targets: [{ of: 'value', op: '<=', threshold: b.p95Ms }],
  });
  record({
    name: `B OpenAPI aggregation: GET ${OPENAPI_JSON_PATH}, ${b.clients} clients, vs nginx serving it as a file`,
    value: bGateway.perSecond,
    unit: 'requests/s',
    baseline: { name: 'nginx, the same bytes from a file', value: bNginx.perSecond },
  });
  record({
    name: `B OpenAPI aggregation: first GET ${OPENAPI_JSON_PATH} after start (the gateway builds it)`,
    value: firstDocumentMs,
    unit: 'ms',
  });
}
