// What the gateway suite's runs (stores.ts, memory-figure.ts) share: the fake session hosts, the run's
// gateways on a fresh database, the first of them (memory store) seeded through its built-in IAM's API, the
// run's timing and anomaly log, and the calls the runs are made of besides selects.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminSessionsRoute, gatewayHealthRoute, sessionReleaseRoute } from '@webstream/contracts';
import { type AnomalyLog, anomalyLog } from '../anomalies';
import { type CallOutcome, closedLoop, type HttpClient, type LoadResult, ok, unexpected } from '../iam/load';
import { count, progress } from '../report';
import { type ServiceProcess } from '../service';
import { type SuiteContext } from '../suite';
import { ACCESS_TOKEN_TTL } from './gateway-process';
import { type GatewayRuns, gatewayRuns } from './gateway-runs';
import { FakeSessionHosts, HEARTBEAT_INTERVAL_MS } from './hosts';
import { type SeededGateway, seedGateway } from './seeded';

/** Sessions held at once for the memory figure. */
export const MEMORY_SESSIONS = 10_000;
const USERS = 16;
export const HOSTS = 2;
/** The contract's most per host; the fake hosts never fill up (their heartbeats reset the pins every second). */
const HOST_MAX_SESSIONS = 10_000;
/** gateway.maxSessionsPerUser: enough for every user to hold all 10,000 sessions. */
const MAX_SESSIONS_PER_USER = MEMORY_SESSIONS;
/** Streamers re-checking in, and the licence's cap (far above them, so none is ever refused). */
export const GUIDS = 1_000;
export const LICENCE_CAP = 100_000;
/** Seconds of selects in one burst; every session a burst made is released before the next one. */
export const BURST_SECONDS = 1;

export interface GatewayStage {
  context: SuiteContext;
  clients: number;
  users: number;
  timing: { clients: number; warmupSeconds: number; seconds: number };
  anomalies: AnomalyLog;
  /** anomalies.failedCalls, also for bulk reserving and releasing, whose results carry no label. */
  failedCalls: (label: string, failed: number, problems: Record<string, number>) => void;
  hosts: FakeSessionHosts;
  runs: GatewayRuns;
  /** The memory-store gateway, the first of the run, and its client. */
  memory: { gateway: ServiceProcess; http: HttpClient };
  seeded: SeededGateway;
  /** The streamers checking in. */
  guids: string[];
  releaseOn: (http: HttpClient) => (client: number, sessionId: string) => Promise<CallOutcome>;
  healthLoop: (gateway: ServiceProcess, http: HttpClient, label: string) => Promise<LoadResult>;
  /** The sessions the gateway holds, as its platform admin sees them. */
  liveSessions: (http: HttpClient) => Promise<number>;
}

export async function setUpGateway(context: SuiteContext): Promise<GatewayStage> {
  const { options, postgres, cleanup, detail } = context;
  const clients = options.clients;
  const users = Math.max(USERS, clients);
  const seconds = options.seconds;
  const warmupSeconds = options.quick ? 1 : 2;
  const timing = { clients, warmupSeconds, seconds };
  const anomalies = anomalyLog(context, 'gateway');
  const anomaly = anomalies.add;
  const failedCalls = (label: string, failed: number, problems: Record<string, number>): void =>
    anomalies.failedCalls({ label, failed, problems });

  const workDir = await mkdtemp(join(tmpdir(), 'webstream-bench-gateway-'));
  cleanup.add('remove the temporary folder', () => rm(workDir, { recursive: true, force: true }));
  const database = await postgres.createDatabase('ws_bench_gateway');
  cleanup.add('drop the gateway bench database', () => database.drop());
  const hosts = await FakeSessionHosts.start(HOSTS, HOST_MAX_SESSIONS);
  cleanup.add('stop the fake session hosts', () => hosts.close());

  detail('configuration', {
    clients,
    users,
    warmupSeconds,
    seconds,
    burstSeconds: BURST_SECONDS,
    hosts: { count: HOSTS, maxSessions: HOST_MAX_SESSIONS, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS },
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    licence: { kind: 'development', maxStreamers: LICENCE_CAP },
    guids: GUIDS,
    memorySessions: MEMORY_SESSIONS,
    accessTokenTtl: ACCESS_TOKEN_TTL,
  });
  progress(
    `gateway configuration: built-in IAM, gateway.maxSessionsPerUser ${count(MAX_SESSIONS_PER_USER)}, a development licence for ${count(LICENCE_CAP)} streamers, ${HOSTS} fake session hosts (maxSessions ${count(HOST_MAX_SESSIONS)}, heartbeat every ${HEARTBEAT_INTERVAL_MS / 1000} s reporting 0 active sessions)`,
  );

  const printed: Record<string, unknown> = {};
  detail('gatewayOutput', printed);
  const runs = await gatewayRuns({
    databaseUrl: database.url,
    cwd: workDir,
    licenceCap: LICENCE_CAP,
    maxSessionsPerUser: MAX_SESSIONS_PER_USER,
    hosts,
    cleanup,
    connections: clients,
    anomaly,
    printed,
  });
  const { admin, launch } = runs;

  // 1. The memory-store gateway, seeded through its built-in IAM's API.
  const memory = await launch('gateway (memory)');
  const seeded = await seedGateway(memory.http, admin, users, anomaly);
  const { data, tokens, adminToken } = seeded;
  detail('seed', {
    organization: data.organization.slug,
    users: data.users.length,
    workspaceId: data.workspace.id,
    workspaceMaxSessions: data.workspace.maxSessions,
    applicationId: data.application.id,
    entitlementId: data.entitlement.id,
  });
  if (data.workspace.maxSessions !== null)
    throw new Error(`the bench workspace has a session cap (${data.workspace.maxSessions})`);
  const guids = Array.from({ length: GUIDS }, () => randomUUID());

  const releaseOn =
    (http: HttpClient) =>
    async (client: number, sessionId: string): Promise<CallOutcome> => {
      const answer = await http.send(sessionReleaseRoute.method, sessionReleaseRoute.path, {
        bearer: tokens[client % users]!,
        json: { sessionId },
      });
      return answer.status === 200 && answer.body.startsWith('{"success":true') ? ok() : unexpected(answer);
    };
  const healthLoop = (gateway: ServiceProcess, http: HttpClient, label: string): Promise<LoadResult> =>
    closedLoop({
      label,
      ...timing,
      service: gateway,
      call: async () => {
        const answer = await http.send(gatewayHealthRoute.method, gatewayHealthRoute.path);
        return answer.status === 200 && answer.body === 'OK' ? ok() : unexpected(answer);
      },
    });
  const liveSessions = async (http: HttpClient): Promise<number> => {
    const answer = await http.send(adminSessionsRoute.method, adminSessionsRoute.path, {
      bearer: adminToken,
    });
    if (answer.status !== 200) throw new Error(`GET ${adminSessionsRoute.path} answered ${answer.status}`);
    return (JSON.parse(answer.body) as { items: unknown[] }).items.length;
  };
  return {
    context,
    clients,
    users,
    timing,
    anomalies,
    failedCalls,
    hosts,
    runs,
    memory,
    seeded,
    guids,
    releaseOn,
    healthLoop,
    liveSessions,
  };
}
