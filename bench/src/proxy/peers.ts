// What runs beside a gateway when its data plane is measured against nginx: a fresh database for its built-in
// IAM, the stand-in session host and echo streamer (upstreams.ts), the host registered and heartbeated from the
// bench, and nginx proxying to the same two. Each is undone by the suite's cleanup.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GatewayRuns, gatewayRuns } from '../gateway/gateway-runs';
import { FakeSessionHosts } from '../gateway/hosts';
import { type ServiceProcess } from '../service';
import { type SuiteContext } from '../suite';
import { findNginx, NGINX_WORKERS, NginxProcess, type NginxStaticFiles, nginxVersion } from './nginx';
import { startUpstreams } from './upstreams';

export interface ProxyPeers {
  /** The gateway's working directory (its telemetry spool) and the upstreams'. */
  workDir: string;
  databaseUrl: string;
  host: ServiceProcess;
  streamer: ServiceProcess;
  /** The stand-in host, to attach to a gateway (gatewayRuns does). */
  hosts: FakeSessionHosts;
  nginx: NginxProcess;
  /** nginx's folder, readable by the user it runs as: where files it serves go. */
  nginxDir: string;
  /** For the results file. */
  nginxInfo: { binary: string; version: string; workers: number };
}

/**
 * Starts them for `suite` (the prefix of the database and folder names). `files` names what nginx serves
 * besides the proxied paths, from its folder (see NginxStaticFiles).
 */
export async function startProxyPeers(
  context: Pick<SuiteContext, 'postgres' | 'cleanup'>,
  suite: string,
  hostMaxSessions: number,
  files: (nginxDir: string) => NginxStaticFiles = () => ({}),
): Promise<ProxyPeers> {
  const { postgres, cleanup } = context;
  const binary = findNginx();
  if (binary === undefined)
    throw new Error(
      `nginx is not installed (the ${suite} suite compares with it): apt-get install nginx-light`,
    );
  const workDir = await mkdtemp(join(tmpdir(), `webstream-bench-${suite}-`));
  cleanup.add('remove the temporary folder', () => rm(workDir, { recursive: true, force: true }));
  const database = await postgres.createDatabase(`ws_bench_${suite}`);
  cleanup.add(`drop the ${suite} bench database`, () => database.drop());
  const { host, streamer } = await startUpstreams(workDir, hostMaxSessions);
  cleanup.add('stop the echo streamer', () => streamer.stop());
  cleanup.add('stop the session host', () => host.stop());
  const hosts = FakeSessionHosts.external([host.url], hostMaxSessions);
  cleanup.add('stop heartbeating', async () => void (await hosts.detach()));
  // Its own folder, not under workDir (0700, closed to the unprivileged user nginx runs as).
  const nginxDir = await mkdtemp(join(tmpdir(), 'webstream-bench-nginx-'));
  cleanup.add("remove nginx's temporary folder", () => rm(nginxDir, { recursive: true, force: true }));
  const nginx = await NginxProcess.start(
    binary,
    nginxDir,
    { host: host.port, streamer: streamer.port },
    files(nginxDir),
  );
  cleanup.add('stop nginx', () => nginx.stop());
  return {
    workDir,
    databaseUrl: database.url,
    host,
    streamer,
    hosts,
    nginx,
    nginxDir,
    nginxInfo: { binary, version: nginxVersion(binary), workers: NGINX_WORKERS },
  };
}

/**
 * The run's gateways (gateway-runs.ts) on the peers' database, the host attached to each; what each printed is
 * kept under details.<suite>.output, and `checkNginx` adds nginx's lines there (any is an anomaly).
 */
export async function peerGateways(
  peers: ProxyPeers,
  context: Pick<SuiteContext, 'cleanup' | 'detail'>,
  options: { maxSessionsPerUser: number; connections: number; anomaly: (text: string) => void },
): Promise<GatewayRuns & { checkNginx: () => void }> {
  const printed: Record<string, unknown> = {};
  context.detail('output', printed);
  const runs = await gatewayRuns({
    databaseUrl: peers.databaseUrl,
    cwd: peers.workDir,
    licenceCap: 100_000,
    hosts: peers.hosts,
    cleanup: context.cleanup,
    printed,
    ...options,
  });
  return {
    ...runs,
    checkNginx: () => {
      const lines = peers.nginx.printed();
      printed['nginx'] = lines;
      if (lines.length > 0)
        options.anomaly(`nginx printed ${lines.length} lines at warn or above (in the JSON file)`);
    },
  };
}
