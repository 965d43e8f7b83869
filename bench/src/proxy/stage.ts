// What the proxy suite's three measurements (get-connection.ts, round-trips.ts, idle-sockets.ts) share: the
// peers (peers.ts), the run's gateways, the first of them seeded through its built-in IAM's API, the run's
// timing and its anomaly log.
import { AUDIO_PATH, CAPTURE_PATH, CONTROL_PATH } from '@webstream/contracts';
import { type AnomalyLog, anomalyLog } from '../anomalies';
import { ACCESS_TOKEN_TTL, RATE_LIMITS_OFF } from '../gateway/gateway-process';
import { type GatewayRuns } from '../gateway/gateway-runs';
import { HEARTBEAT_INTERVAL_MS } from '../gateway/hosts';
import { type SeededGateway, seedGateway } from '../gateway/seeded';
import { reserveMany } from '../gateway/sessions';
import { type HttpClient, type LoadResult } from '../iam/load';
import { count, progress } from '../report';
import { type ServiceProcess } from '../service';
import { type SuiteContext } from '../suite';
import { NGINX_WORKERS } from './nginx';
import { peerGateways, type ProxyPeers, startProxyPeers } from './peers';

/** WebSocket clients ping-ponging at once, and the size of each message. */
export const WS_CLIENTS = 50;
export const MESSAGE_BYTES = 1024;
const USERS = 16;
const HOST_MAX_SESSIONS = 10_000;
const MAX_SESSIONS_PER_USER = 10_000;
export const SOCKET_PATHS = [CAPTURE_PATH, CONTROL_PATH, AUDIO_PATH] as const;

/** Microseconds of a process's CPU per call over a loop's measured window. */
export function cpuPerCall(result: LoadResult): number {
  return result.calls > 0 && result.cpu.service !== undefined
    ? (result.cpu.service / result.calls) * 1e6
    : Number.NaN;
}

export interface ProxyStage {
  context: SuiteContext;
  clients: number;
  timing: { warmupSeconds: number; seconds: number };
  anomalies: AnomalyLog;
  peers: ProxyPeers;
  gateways: GatewayRuns & { checkNginx: () => void };
  /** The gateway of the throughput figures (1 and 2), and its client. */
  main: { gateway: ServiceProcess; http: HttpClient };
  seeded: SeededGateway;
  /** `total` new sessions, each with the client whose user selected it (its token opens it). */
  sessionsFor: (http: HttpClient, total: number) => Promise<{ client: number; sessionId: string }[]>;
}

export async function setUpProxy(context: SuiteContext): Promise<ProxyStage> {
  const { options, detail } = context;
  const clients = options.clients;
  const users = Math.max(USERS, clients);
  const seconds = options.seconds;
  const warmupSeconds = options.quick ? 1 : 2;
  const timing = { warmupSeconds, seconds };
  const anomalies = anomalyLog(context, 'proxy');
  const anomaly = anomalies.add;

  const peers = await startProxyPeers(context, 'proxy', HOST_MAX_SESSIONS);
  const { host, streamer, nginx } = peers;

  detail('configuration', {
    clients,
    users,
    warmupSeconds,
    seconds,
    webSocketClients: WS_CLIENTS,
    messageBytes: MESSAGE_BYTES,
    nginx: peers.nginxInfo,
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    hostMaxSessions: HOST_MAX_SESSIONS,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    gatewayEnv: RATE_LIMITS_OFF,
  });
  progress(
    `proxy configuration: built-in IAM, rate limits off, gateway.maxSessionsPerUser ${count(MAX_SESSIONS_PER_USER)}; session host ${host.url}, echo streamer ${streamer.url}, nginx ${peers.nginxInfo.version} (${NGINX_WORKERS} workers) at ${nginx.url}`,
  );

  const gateways = await peerGateways(peers, context, {
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    connections: Math.max(clients, WS_CLIENTS),
    anomaly,
  });
  const { admin, launch } = gateways;

  // The gateway of the throughput figures, seeded through its built-in IAM's API.
  // gcOnSignal: its heap is read after a full GC once the /getConnection loop is over (tickets held).
  const main = await launch('gateway', { gcOnSignal: true });
  const seeded = await seedGateway(main.http, admin, users, anomaly);
  const { selectOn } = seeded;
  const sessionsFor = async (
    http: HttpClient,
    total: number,
  ): Promise<{ client: number; sessionId: string }[]> =>
    (await reserveMany(total, Math.min(total, clients), selectOn(http))).sessionIds;
  return { context, clients, timing, anomalies, peers, gateways, main, seeded, sessionsFor };
}
