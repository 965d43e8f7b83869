// What every scenario runs against, set up once: the proxy suite's peers, nginx also serving the OpenAPI
// document's bytes, the gateway seeded with a session per C client, and clients of the host, nginx and the
// echo streamer; and the calls the scenarios are made of, so that each scenario's file holds its loops only.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getConnectionRoute, SESSION_ID_HEADER, sessionStatusRoute } from '@webstream/contracts';
import { type AnomalyLog, anomalyLog } from '../anomalies';
import { ACCESS_TOKEN_TTL, RATE_LIMITS_OFF } from '../gateway/gateway-process';
import { type GatewayRuns } from '../gateway/gateway-runs';
import { HEARTBEAT_INTERVAL_MS } from '../gateway/hosts';
import { seedGateway } from '../gateway/seeded';
import { reserveMany, sessionIds } from '../gateway/sessions';
import { type CallOutcome, HttpClient, type HttpAnswer, ok, unexpected } from '../iam/load';
import { peerGateways, type ProxyPeers, startProxyPeers } from '../proxy/peers';
import { count, formatNumber, progress } from '../report';
import { type ServiceProcess } from '../service';
import { type SuiteContext } from '../suite';
import { type OpenLoopResult } from './open-loop';

/** Seed 002's scenarios: clients (k6's VUs) and targets. */
export const SCENARIOS = {
  A: { clients: 10, p95Ms: 10, cpuPerRequestVsNginx: 3 },
  B: { clients: 50, p95Ms: 200 },
  C: { clients: 200, p50Ms: 2, p99Ms: 5 },
  D: { clients: 20, p95OverheadMs: 5 },
  E: { clients: 100, limit: 100, windows: 3 },
  F: { clients: 1_000 },
  // The verdict "stable memory": the soak's requests leave at most this much heap behind each (after a full GC,
  // at rest, against before the soak).
  G: { clients: 50, retainedBytesPerRequest: 64 },
} as const;
/** The open-loop scenarios (C, D) run at this share of the capacity C's 200 clients showed, unless --rate. */
export const LOAD_SHARE = 0.5;
/** The aggregated document (apps/gateway/src/openapi/gateway-operations.ts, OPENAPI_JSON_PATH). */
export const OPENAPI_JSON_PATH = '/openapi.json';
const USERS = 16;
const HOST_MAX_SESSIONS = 10_000;
const MAX_SESSIONS_PER_USER = 10_000;
/**
 * gateway.webSocket.ticketTtl of this run (default 30 s): the tickets every /getConnection issues leave the store
 * within seconds, so the soak's memory is at its steady state from the start instead of growing for 30 s.
 */
export const TICKET_TTL_SECONDS = 1;

export type Outcome = Promise<CallOutcome>;
export const expect200 = (answer: HttpAnswer): CallOutcome =>
  answer.status === 200 ? ok() : unexpected(answer);

export function percent(part: number, whole: number): number {
  return whole > 0 ? (100 * part) / whole : Number.NaN;
}
/** The target of a share that must be whole. */
export const full = [{ of: 'value' as const, op: '>=' as const, threshold: 100 }];

export interface ScenarioStage {
  context: SuiteContext;
  warmupSeconds: number;
  timing: { warmupSeconds: number; seconds: number };
  anomalies: AnomalyLog;
  peers: ProxyPeers;
  /** WEBSTREAM__* overrides of every gateway of the run. */
  gatewayEnv: Record<string, string>;
  gateways: GatewayRuns & { checkNginx: () => void };
  /** The gateway of every scenario but E, and its client. */
  gateway: ServiceProcess;
  http: HttpClient;
  /** B's first answer, and how long the gateway took to build it. */
  firstDocument: HttpAnswer;
  firstDocumentMs: number;
  documentBytes: number;
  tokenOf: (client: number) => string;
  /** A session per C client, each with the client whose user selected it. */
  sessions: { client: number; sessionId: string }[];
  hostHttp: HttpClient;
  nginxHttp: HttpClient;
  bareNodeHttp: HttpClient;
  getConnection: (c: number, headers?: Record<string, string>) => Promise<HttpAnswer>;
  connected: (answer: HttpAnswer) => CallOutcome;
  status: (c: number, headers?: Record<string, string>) => Promise<HttpAnswer>;
  statusOk: (c: number, answer: HttpAnswer) => CallOutcome;
  select: (c: number) => Outcome;
  checkOpenLoop: (result: OpenLoopResult) => void;
  get200: (target: HttpClient, path: string) => () => Outcome;
}

export async function setUpScenarios(context: SuiteContext): Promise<ScenarioStage> {
  const { options, cleanup, detail } = context;
  const seconds = options.seconds;
  const warmupSeconds = options.quick ? 1 : 2;
  const timing = { warmupSeconds, seconds };
  const anomalies = anomalyLog(context, 'scenarios');
  const { failedCalls } = anomalies;
  const anomaly = anomalies.add;

  const peers = await startProxyPeers(context, 'scenarios', HOST_MAX_SESSIONS, (dir) => ({
    [OPENAPI_JSON_PATH]: join(dir, 'openapi.json'),
  }));
  const { host, nginx, streamer } = peers;
  const gatewayEnv = { WEBSTREAM__GATEWAY__WEBSOCKET__TICKETTTL: String(TICKET_TTL_SECONDS) };
  const gateways = await peerGateways(peers, context, {
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    connections: SCENARIOS.C.clients,
    anomaly,
  });
  const { admin, launch } = gateways;
  const main = await launch('gateway', { gcOnSignal: true, env: gatewayEnv });
  const { gateway, http } = main;

  // B's first request, before anything else asks: the gateway builds the document for it.
  const t0 = performance.now();
  const firstDocument = await http.send('GET', OPENAPI_JSON_PATH);
  const firstDocumentMs = performance.now() - t0;
  if (firstDocument.status !== 200)
    throw new Error(
      `GET ${OPENAPI_JSON_PATH} answered ${firstDocument.status}: ${firstDocument.body.slice(0, 300)}`,
    );
  const documentBytes = Buffer.byteLength(firstDocument.body);
  // nginx serves the very same bytes as a file: B's baseline.
  await writeFile(join(peers.nginxDir, 'openapi.json'), firstDocument.body, { mode: 0o644 });
  progress(
    `GET ${OPENAPI_JSON_PATH}: ${formatNumber(documentBytes / 1024)} KiB, ${Object.keys((JSON.parse(firstDocument.body) as { paths: object }).paths).length} paths, first answer in ${formatNumber(firstDocumentMs)} ms`,
  );

  const seeded = await seedGateway(http, admin, USERS, anomaly);
  const { tokenOf, selectOn } = seeded;
  // A session per C client (D and G use the first of them), each with the client whose user selected it.
  const sessions = (await reserveMany(SCENARIOS.C.clients, SCENARIOS.C.clients, selectOn(http))).sessionIds;
  const hostHttp = new HttpClient(host.url, SCENARIOS.C.clients);
  const nginxHttp = new HttpClient(nginx.url, SCENARIOS.C.clients);
  const bareNodeHttp = new HttpClient(streamer.url, SCENARIOS.A.clients);
  cleanup.add('close the HTTP agents of the host, nginx and the echo streamer', async () => {
    hostHttp.close();
    nginxHttp.close();
    bareNodeHttp.close();
  });
  detail('configuration', {
    scenarios: SCENARIOS,
    warmupSeconds,
    seconds,
    soakSeconds: options.soakSeconds,
    loadShare: LOAD_SHARE,
    rate: options.rate,
    users: USERS,
    sessions: sessions.length,
    nginx: peers.nginxInfo,
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    hostMaxSessions: HOST_MAX_SESSIONS,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    gatewayEnv: { ...RATE_LIMITS_OFF, ...gatewayEnv },
    openApiBytes: documentBytes,
  });

  // The calls the scenarios are made of; client c works on session c (C's 200, D's and G's first ones).
  const getConnection = async (c: number, headers: Record<string, string> = {}): Promise<HttpAnswer> => {
    const { client, sessionId } = sessions[c]!;
    return http.send(getConnectionRoute.method, getConnectionRoute.path, {
      bearer: tokenOf(client),
      headers: { [SESSION_ID_HEADER]: sessionId, ...headers },
    });
  };
  const connected = (answer: HttpAnswer): CallOutcome =>
    answer.status === 200 && answer.body.includes('"tickets":{"capture":"') ? ok() : unexpected(answer);
  const status = async (c: number, headers: Record<string, string> = {}): Promise<HttpAnswer> => {
    const { client, sessionId } = sessions[c]!;
    return http.send(sessionStatusRoute.method, sessionStatusRoute.path, {
      bearer: tokenOf(client),
      headers: { [SESSION_ID_HEADER]: sessionId, ...headers },
    });
  };
  const statusOk = (c: number, answer: HttpAnswer): CallOutcome =>
    answer.status === 200 && answer.body.includes(`"sessionId":"${sessions[c]!.sessionId}"`)
      ? ok()
      : unexpected(answer);
  const newSessionId = sessionIds(SCENARIOS.C.clients);
  const select = (c: number): Outcome => selectOn(http)(sessions[c]!.client, newSessionId(c));
  /** An open loop's calls all answered as expected, and no more than 1% of its requests dropped. */
  const checkOpenLoop = (result: OpenLoopResult): void => {
    failedCalls(result);
    if (result.dropped > result.started / 100)
      anomaly(
        `${result.label}: ${count(result.dropped)} requests dropped for want of a free client (of ${result.clients})`,
      );
  };
  const get200 = (target: HttpClient, path: string) => async (): Outcome =>
    expect200(await target.send('GET', path));
  return {
    context,
    warmupSeconds,
    timing,
    anomalies,
    peers,
    gatewayEnv,
    gateways,
    gateway,
    http,
    firstDocument,
    firstDocumentMs,
    documentBytes,
    tokenOf,
    sessions,
    hostHttp,
    nginxHttp,
    bareNodeHttp,
    getConnection,
    connected,
    status,
    statusOk,
    select,
    checkOpenLoop,
    get200,
  };
}
