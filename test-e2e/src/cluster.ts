// The scaled-out topology as real processes (issue 9, seed 004's pool of gateways): three gateways sharing their
// state in a Redis of this run's own, behind a real nginx running deploy/nginx/webstream.conf, two session hosts
// with synthetic capture, the metrics engine and IAM standalone, each on a PostgreSQL database of its own.
// Every role is `webstream <flag>` in a process group of its own, so a fault can kill a role outright
// (SIGKILL to the group) and start it again on the same port. stop() ends every process of the run (the
// streamers too, found by a marker in their environment) and drops the databases, whatever state the run is in.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { freePorts, LaunchedProcess } from '@webstream/testing';
import { CLI, WORKSPACE_ROOT } from './processes';
import { RunMarker } from './run-marker';

const NGINX_SITE = resolve(WORKSPACE_ROOT, 'deploy/nginx/webstream.conf');
/** Where a binary may be beside PATH (a non-root PATH may lack the sbin folders). */
const SYSTEM_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'];
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 4_000;
const OUTPUT_LIMIT = 200_000;
const NOBODY = 65_534;

/**
 * The settings the faults are measured against (shortened from the defaults so a run stays short; the rules
 * are the product's): hosts are probed every `healthCheckInterval` s once stable and every second while
 * unstable, and are unreachable after `failureThreshold` failures in a row.
 */
export const CLUSTER_SETTINGS = {
  healthCheckInterval: 2,
  failureThreshold: 4,
  successThreshold: 2,
  heartbeatInterval: 2,
  heartbeatTimeout: 30,
  /** Licensed streamers, across every gateway. */
  licensedStreamers: 4,
  /** Sessions each host takes (its streamers' ports are basePort … basePort + maxSessions - 1). */
  hostMaxSessions: 4,
} as const;

/** How long after a host dies every gateway must have it Unreachable: the first failed probe comes at most one
 * stable interval later, then one a second until the threshold (connection refused fails at once). */
export const FAILURE_WINDOW_MS =
  (CLUSTER_SETTINGS.healthCheckInterval + (CLUSTER_SETTINGS.failureThreshold - 1) * 1) * 1000;

/** A process of the run, leading a process group of its own, that can be killed outright and started again. */
export class ClusterProcess {
  private run: LaunchedProcess | undefined;
  private text = '';
  private starts = 0;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly options: {
      cwd: string;
      env: Record<string, string>;
      /** Resolves once the process serves (it is running; the check may be retried). */
      ready: () => Promise<boolean>;
      asNobody?: boolean;
    },
  ) {}

  get pid(): number | undefined {
    return this.run?.pid;
  }

  get running(): boolean {
    return this.run?.running ?? false;
  }

  /** What it printed (the latest part), across restarts. */
  output(): string {
    return this.text;
  }

  /** Starts it and waits until it is ready; fails at once when it exits first. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is running already`);
    this.starts += 1;
    this.append(`--- ${this.name}: start ${this.starts} ---\n`);
    this.run = LaunchedProcess.start({
      name: this.name,
      command: this.command,
      args: this.args,
      cwd: this.options.cwd,
      env: { ...process.env, ...this.options.env },
      ownGroup: true,
      ...(this.options.asNobody ? { user: { uid: NOBODY, gid: NOBODY } } : {}),
      onOutput: (chunk) => this.append(chunk),
    });
    await this.run.ready(this.options.ready, READY_TIMEOUT_MS);
  }

  /** The fault: SIGKILL to its whole process group; resolves once it has exited. */
  async kill(): Promise<void> {
    await this.run?.kill();
  }

  /** SIGTERM to its group, SIGKILL after a grace period. */
  async stop(): Promise<void> {
    await this.run?.stop(STOP_GRACE_MS);
  }

  private append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > OUTPUT_LIMIT) this.text = this.text.slice(-OUTPUT_LIMIT);
  }
}

/** A role started with the webstream command, serving HTTP at `url`. */
export class WebstreamRole extends ClusterProcess {
  constructor(
    name: string,
    flag: string,
    readonly url: string,
    options: { cwd: string; env: Record<string, string> },
  ) {
    super(name, process.execPath, [CLI, flag], {
      ...options,
      ready: async () => {
        const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        return response.status === 200;
      },
    });
  }
}

export interface Cluster {
  /** The one public address: nginx in front of the gateways. */
  url: string;
  gateways: WebstreamRole[];
  sessionHosts: WebstreamRole[];
  metricsEngine: WebstreamRole;
  iam: WebstreamRole;
  redis: ClusterProcess;
  nginx: ClusterProcess;
  /** The metrics engine's service credential (Authorization: Bearer on /api/*). */
  serviceToken: string;
  /** The session hosts' and streamers' credential at the gateways (X-Backend-Token). */
  backendToken: string;
  /** What Prometheus presents to read any role's /metrics (metrics.bearerToken). */
  metricsToken: string;
  /** The bootstrap platform admin of IAM (organization `default`). */
  admin: { username: string; password: string };
  /** Everything every process printed, for a failure message. */
  output(): string;
  /** Ends every process of the run, drops its databases and removes its folder; safe to call at any point. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /**
   * Seed 004's shape. hijack (the default): three gateways behind nginx, any of them relaying any session.
   * redirect: a gateway beside each of the two session hosts (the host registers with it and names it as
   * sessionHost.publicGatewayUrl), nginx in front of both for the first connection.
   */
  topology?: 'hijack' | 'redirect';
}

/** Starts the whole topology; on any failure everything started so far is stopped again. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const redirect = options.topology === 'redirect';
  const marker = new RunMarker();
  const dir = await mkdtemp(join(tmpdir(), 'webstream-cluster-'));
  await chmod(dir, 0o755);
  const processes: ClusterProcess[] = [];
  const databases: TestDatabase[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // Session hosts first (their streamers are told why), then everything else at once.
      await Promise.all(
        processes.filter((member) => member.name.startsWith('session host')).map((p) => p.stop()),
      );
      await Promise.all(processes.map((member) => member.stop()));
      await marker.killAll();
      await Promise.all(databases.map((database) => database.drop()));
      await rm(dir, { recursive: true, force: true });
    })());
  const output = (): string => processes.map((member) => member.output()).join('\n');

  try {
    const nginxBinary = findBinary('nginx', '-v');
    if (nginxBinary === undefined) throw new Error('nginx is not installed (apt-get install nginx-light)');
    const redisBinary = findBinary('redis-server', '--version');
    if (redisBinary === undefined)
      throw new Error('redis-server is not installed (apt-get install redis-server)');

    // One at a time, each kept as soon as it exists, so stop() drops whatever was made.
    const iamDatabase = await createTestDatabase('ws_e2e_cluster_iam');
    databases.push(iamDatabase);
    const metricsDatabase = await createTestDatabase('ws_e2e_cluster_metrics');
    databases.push(metricsDatabase);

    const ports = await freePorts(12);
    const take = (): number => ports.shift()!;
    const [redisPort, nginxPort, nginxRedirectPort, iamPort, metricsPort] = [
      take(),
      take(),
      take(),
      take(),
      take(),
    ];
    const [g1, g2, g3, h1, h2, s1, s2] = [take(), take(), take(), take(), take(), take(), take()];
    const gatewayPorts = redirect ? [g1, g2] : [g1, g2, g3];
    const gatewayUrlOf = (port: number): string => `http://127.0.0.1:${port}`;
    const url = `http://127.0.0.1:${nginxPort}`;
    const iamUrl = `http://127.0.0.1:${iamPort}`;
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    const serviceToken = randomText(40);
    const backendToken = randomText(40);
    const metricsToken = randomText(40);
    const admin = { username: 'root', password: randomText(24) };
    const licence = await issueLicence(dir, CLUSTER_SETTINGS.licensedStreamers);

    const common: Record<string, string> = {
      ...marker.env,
      WEBSTREAM__LOGGING__LEVEL: 'warn',
      WEBSTREAM__ACCESSMANAGEMENT__MODE: 'standalone',
      WEBSTREAM__ACCESSMANAGEMENT__URL: iamUrl,
      WEBSTREAM__ACCESSMANAGEMENT__PORT: String(iamPort),
      WEBSTREAM__ACCESSMANAGEMENT__TOKENSIGNINGKEY: randomText(48),
      WEBSTREAM__METRICSENGINE__URL: metricsUrl,
      WEBSTREAM__METRICSENGINE__HTTPPORT: String(metricsPort),
      WEBSTREAM__METRICSENGINE__SERVICETOKEN: serviceToken,
      WEBSTREAM__TELEMETRY__FLUSHINTERVALMS: '100',
      WEBSTREAM__GATEWAY__BACKEND__TOKEN: backendToken,
      WEBSTREAM__METRICS__BEARERTOKEN: metricsToken,
      // Hosts and streamers reach the gateways as browsers do: through nginx, so losing one gateway loses none
      // of their registrations, heartbeats, licence check-ins or session ends.
      WEBSTREAM__GATEWAY__BACKEND__GATEWAYURL: url,
      WEBSTREAM__GATEWAY__BACKEND__HEARTBEATINTERVAL: String(CLUSTER_SETTINGS.heartbeatInterval),
      WEBSTREAM__GATEWAY__BACKEND__HEARTBEATTIMEOUT: String(CLUSTER_SETTINGS.heartbeatTimeout),
      WEBSTREAM__GATEWAY__HEALTHCHECK__INTERVAL: String(CLUSTER_SETTINGS.healthCheckInterval),
      WEBSTREAM__GATEWAY__HEALTHCHECK__FAILURETHRESHOLD: String(CLUSTER_SETTINGS.failureThreshold),
      WEBSTREAM__GATEWAY__HEALTHCHECK__SUCCESSTHRESHOLD: String(CLUSTER_SETTINGS.successThreshold),
      WEBSTREAM__GATEWAY__TRUSTEDPROXIES: '[127.0.0.1]',
      WEBSTREAM__GATEWAY__LICENCE__KEY: licence.key,
      WEBSTREAM__GATEWAY__LICENCE__PUBLICKEY: licence.publicKeyPem,
      WEBSTREAM__REDIS__URL: `redis://127.0.0.1:${redisPort}`,
      WEBSTREAM__REDIS__KEYPREFIX: `e2e-${marker.id}:`,
      WEBSTREAM__STREAMER__CAPTURESOURCE: 'synthetic',
      WEBSTREAM__SESSIONHOST__MAXSESSIONS: String(CLUSTER_SETTINGS.hostMaxSessions),
      WEBSTREAM__SESSIONHOST__DRAINTIMEOUT: '2',
    };
    const roleDir = async (name: string): Promise<string> => {
      const path = join(dir, name);
      await mkdir(path, { recursive: true });
      return path;
    };
    const role = async (
      name: string,
      flag: string,
      port: number,
      env: Record<string, string>,
    ): Promise<WebstreamRole> => {
      const cwd = await roleDir(name.replaceAll(' ', '-'));
      const member = new WebstreamRole(name, flag, `http://127.0.0.1:${port}`, {
        cwd,
        env: { ...common, WEBSTREAM__TELEMETRY__SPOOLDIR: join(cwd, 'spool'), ...env },
      });
      processes.push(member);
      return member;
    };

    const redis = new ClusterProcess(
      'redis',
      redisBinary,
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { cwd: dir, env: marker.env, ready: () => redisAnswers(redisPort) },
    );
    processes.push(redis);
    const metricsEngine = await role('metrics engine', '-me', metricsPort, {
      WEBSTREAM__METRICSENGINE__DATABASEURL: metricsDatabase.url,
    });
    const iam = await role('iam', '-am', iamPort, {
      WEBSTREAM__ACCESSMANAGEMENT__DATABASEURL: iamDatabase.url,
      WEBSTREAM_ADMIN_USERNAME: admin.username,
      WEBSTREAM_ADMIN_PASSWORD: admin.password,
    });
    const gateways: WebstreamRole[] = [];
    for (const [index, port] of gatewayPorts.entries()) {
      gateways.push(
        await role(`gateway ${index + 1}`, '-gw', port, {
          WEBSTREAM__GATEWAY__PORT: String(port),
          ...(redirect
            ? { WEBSTREAM__GATEWAY__TOPOLOGY: 'redirect', WEBSTREAM__GATEWAY__PUBLICURL: gatewayUrlOf(port) }
            : {}),
        }),
      );
    }
    await redis.start();
    await Promise.all([metricsEngine.start(), iam.start(), ...gateways.map((gateway) => gateway.start())]);

    const nginxDir = await roleDir('nginx');
    const nginx = new ClusterProcess(
      'nginx',
      nginxBinary,
      ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf'), '-e', 'stderr'],
      {
        cwd: nginxDir,
        env: marker.env,
        asNobody: process.getuid?.() === 0,
        ready: async () => {
          const response = await fetch(`${url}/gateway/health`, { signal: AbortSignal.timeout(2_000) });
          await response.body?.cancel();
          return response.status === 200;
        },
      },
    );
    await writeNginxConfig(nginxDir, {
      port: nginxPort,
      redirectPort: nginxRedirectPort,
      gateways: gatewayPorts.map((port) => `127.0.0.1:${port}`),
    });
    processes.push(nginx);
    await nginx.start();

    const sessionHosts: WebstreamRole[] = [];
    const hostPorts: [number, number][] = [
      [h1, s1],
      [h2, s2],
    ];
    for (const [index, [port, streamerBase]] of hostPorts.entries()) {
      sessionHosts.push(
        await role(`session host ${index + 1}`, '-be', port, {
          WEBSTREAM__SESSIONHOST__PORT: String(port),
          WEBSTREAM__SESSIONHOST__SERVERURL: `http://127.0.0.1:${port}`,
          // Slot i listens on basePort + i: kept below 65535, and apart between the hosts.
          WEBSTREAM__STREAMER__BASEPORT: String(Math.min(streamerBase, 60_000 + index * 10)),
          // The gateway beside it: where it registers, and where browsers open its sessions' sockets.
          ...(redirect
            ? {
                WEBSTREAM__GATEWAY__BACKEND__GATEWAYURL: gatewayUrlOf(gatewayPorts[index]!),
                WEBSTREAM__SESSIONHOST__PUBLICGATEWAYURL: gatewayUrlOf(gatewayPorts[index]!),
              }
            : {}),
        }),
      );
    }
    await Promise.all(sessionHosts.map((host) => host.start()));

    return {
      url,
      gateways,
      sessionHosts,
      metricsEngine,
      iam,
      redis,
      nginx,
      serviceToken,
      backendToken,
      metricsToken,
      admin,
      output,
      stop,
    };
  } catch (error) {
    const printed = output();
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${printed.slice(-20_000)}`, {
      cause: error,
    });
  }
}

/** A licence of `streamers` seats, issued by the webstream command with a key pair made for this run. */
async function issueLicence(dir: string, streamers: number): Promise<{ key: string; publicKeyPem: string }> {
  const keygen = spawnSync(process.execPath, [CLI, 'licence', 'keygen'], { encoding: 'utf8' });
  const pems = keygen.stdout.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----\n/g);
  if (keygen.status !== 0 || pems?.length !== 2) throw new Error(`licence keygen failed: ${keygen.stderr}`);
  const [publicKeyPem, privateKeyPem] = pems as [string, string];
  const privateKeyFile = join(dir, 'licence-private.pem');
  await writeFile(privateKeyFile, privateKeyPem, { mode: 0o600 });
  const issue = spawnSync(
    process.execPath,
    [
      CLI,
      'licence',
      'issue',
      '--licensee',
      'e2e cluster',
      '--streamers',
      String(streamers),
      '--days',
      '1',
      '--private-key',
      privateKeyFile,
    ],
    { encoding: 'utf8' },
  );
  const key = issue.stdout.trim();
  if (issue.status !== 0 || key === '') throw new Error(`licence issue failed: ${issue.stderr}`);
  return { key, publicKeyPem };
}

function replaceExactly(text: string, pattern: RegExp, replacement: string, count: number): string {
  const global = new RegExp(
    pattern.source,
    pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
  );
  const found = text.match(global)?.length ?? 0;
  if (found !== count)
    throw new Error(`webstream.conf: expected ${count} of ${String(pattern)}, found ${found}`);
  return text.replace(global, replacement);
}

/**
 * deploy/nginx/webstream.conf as production runs it, with only what a test machine needs changed: loopback
 * ports instead of 443/80 and no IPv6 listeners, plain HTTP (no certificate), this run's gateways as the pool.
 * The wrapping nginx.conf adds one response header naming the gateway that answered, for the assertions.
 */
async function writeNginxConfig(
  dir: string,
  setup: { port: number; redirectPort: number; gateways: string[] },
): Promise<void> {
  let site = await readFile(NGINX_SITE, 'utf8');
  site = replaceExactly(site, /^[ \t]*listen \[::\]:\d+[^;\n]*;\n/m, '', 2);
  site = replaceExactly(site, /listen 443 ssl;/, `listen 127.0.0.1:${setup.port};`, 1);
  site = replaceExactly(site, /listen 80;/, `listen 127.0.0.1:${setup.redirectPort};`, 1);
  site = replaceExactly(site, /^[ \t]*ssl_[a-z_]+\s[^;\n]*;\n/m, '', 5);
  const servers = /^([ \t]*)server \d+\.\d+\.\d+\.\d+:\d+([^;\n]*);\n/gm;
  const first = servers.exec(site);
  if (first === null) throw new Error('webstream.conf: no upstream server lines');
  const [, indent, parameters] = first;
  const pool = setup.gateways.map((gateway) => `${indent}server ${gateway}${parameters};\n`).join('');
  let placed = false;
  site = site.replace(servers, () => {
    if (placed) return '';
    placed = true;
    return pool;
  });
  const temp = (name: string): string => `${name}_temp_path ${join(dir, `${name}-temp`)};`;
  await writeFile(join(dir, 'webstream.conf'), site);
  await writeFile(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      'error_log stderr warn;',
      'events { worker_connections 512; }',
      'http {',
      '  access_log off;',
      `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      '  add_header X-Webstream-Upstream $upstream_addr always;',
      `  include ${join(dir, 'webstream.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  if (process.getuid?.() === 0) {
    for (const entry of [dir, join(dir, 'webstream.conf'), join(dir, 'nginx.conf')]) {
      await chown(entry, NOBODY, NOBODY);
    }
  }
}

/** A RESP PING answered with PONG. */
export function redisAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    const finish = (answer: boolean): void => {
      socket.destroy();
      done(answer);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data: Buffer) => finish(data.toString().startsWith('+PONG')));
    socket.once('error', () => finish(false));
  });
}

/** The first `name` on PATH or in the system folders that runs with `versionFlag`. */
function findBinary(name: string, versionFlag: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(':').filter(Boolean), ...SYSTEM_DIRS];
  return dirs.map((dir) => join(dir, name)).find((path) => spawnSync(path, [versionFlag]).status === 0);
}

function randomText(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}
