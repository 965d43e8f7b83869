// The gateway (apps/gateway/dist/main.js) as a child process with its built-in IAM, configured through the
// environment only: its database, the keys and tokens of this run, a development licence, and Redis or not.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateLicenceKeyPair, issueLicence } from '@webstream/licence';
import { formatNumber } from '../report';
import { ServiceProcess } from '../service';

/**
 * gateway.rateLimits off: the bench sends thousands of selects and /getConnection calls a minute as one
 * user from one address, far over the per-identity limits (60 and 120 a minute).
 */
export const RATE_LIMITS_OFF: Readonly<Record<string, string>> = {
  WEBSTREAM__GATEWAY__RATELIMITS__ENABLED: 'false',
};

/** An access token outlives the whole run, so no figure depends on a refresh. */
export const ACCESS_TOKEN_TTL = 3_600;

export interface Licence {
  key: string;
  publicKeyPem: string;
  maxStreamers: number;
}

/** A development licence of this run, signed with a key pair made for it, valid for a day. */
export function benchLicence(maxStreamers: number): Licence {
  const pair = generateLicenceKeyPair();
  const now = Date.now();
  const key = issueLicence(
    {
      licensee: 'WebStream bench',
      maxStreamers,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 24 * 3600_000).toISOString(),
      kind: 'development',
    },
    pair.privateKeyPem,
  );
  return { key, publicKeyPem: pair.publicKeyPem, maxStreamers };
}

export interface GatewayOptions {
  /** Output prefix and messages: "gateway (memory)", "gateway (Redis)". */
  name: string;
  databaseUrl: string;
  /** The same for every gateway of the run, so a token one issues is valid on the others. */
  tokenSigningKey: string;
  admin: { username: string; password: string };
  backendToken: string;
  licence: Licence;
  maxSessionsPerUser: number;
  /** Where IAM's audit events would go: a port nothing listens on (they are spooled to disk). */
  metricsEngine: { url: string; serviceToken: string };
  /** Shared state in Redis under this prefix; unset, the gateway keeps it in memory. */
  redis?: { url: string; keyPrefix: string };
  /** Working directory; the telemetry spool goes under it. */
  cwd: string;
  /** Lets the bench run a full garbage collection in the gateway (see collectGarbage). */
  gcOnSignal?: boolean;
  /** More WEBSTREAM__* overrides (e.g. the rate limits off), applied after the ones above. */
  env?: Record<string, string>;
}

/**
 * Preloaded into a gateway started with gcOnSignal: a full V8 collection on SIGUSR2, so the heap can be read
 * without the garbage a load leaves (which V8 may keep for minutes). Nothing else of the gateway changes.
 */
const GC_ON_SIGNAL = [
  "import v8 from 'node:v8';",
  "import vm from 'node:vm';",
  "v8.setFlagsFromString('--expose-gc');",
  "const gc = vm.runInNewContext('gc');",
  "process.on('SIGUSR2', () => gc());",
].join('');

export function startGateway(options: GatewayOptions): Promise<ServiceProcess> {
  const spool = options.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return ServiceProcess.start({
    name: options.name,
    main: 'apps/gateway/dist/main.js',
    portKey: 'WEBSTREAM__GATEWAY__PORT',
    env: {
      WEBSTREAM__GATEWAY__PUBLICIP: '127.0.0.1',
      WEBSTREAM__GATEWAY__BACKEND__TOKEN: options.backendToken,
      WEBSTREAM__GATEWAY__MAXSESSIONSPERUSER: String(options.maxSessionsPerUser),
      WEBSTREAM__GATEWAY__LICENCE__KEY: options.licence.key,
      WEBSTREAM__GATEWAY__LICENCE__PUBLICKEY: options.licence.publicKeyPem,
      WEBSTREAM__ACCESSMANAGEMENT__DATABASEURL: options.databaseUrl,
      WEBSTREAM__ACCESSMANAGEMENT__TOKENSIGNINGKEY: options.tokenSigningKey,
      WEBSTREAM__ACCESSMANAGEMENT__ACCESSTOKENTTL: String(ACCESS_TOKEN_TTL),
      WEBSTREAM_ADMIN_USERNAME: options.admin.username,
      WEBSTREAM_ADMIN_PASSWORD: options.admin.password,
      WEBSTREAM__METRICSENGINE__URL: options.metricsEngine.url,
      WEBSTREAM__METRICSENGINE__SERVICETOKEN: options.metricsEngine.serviceToken,
      WEBSTREAM__TELEMETRY__SPOOLDIR: join(options.cwd, `spool-${spool}`),
      ...(options.redis
        ? { WEBSTREAM__REDIS__URL: options.redis.url, WEBSTREAM__REDIS__KEYPREFIX: options.redis.keyPrefix }
        : {}),
      ...(options.gcOnSignal
        ? {
            NODE_OPTIONS: [
              process.env['NODE_OPTIONS'],
              `--import=data:text/javascript,${encodeURIComponent(GC_ON_SIGNAL)}`,
            ]
              .filter(Boolean)
              .join(' '),
          }
        : {}),
      ...options.env,
    },
    cwd: options.cwd,
  });
}

/** The gateway's memory from its /metrics (prom-client's default process and Node.js series). */
export interface GatewayMemory {
  rssBytes: number;
  heapUsedBytes?: number;
  heapTotalBytes?: number;
  externalBytes?: number;
}

const MB = 1024 * 1024;

/** The unit of every gateway memory figure. */
export function mb(bytes: number): number {
  return bytes / MB;
}

export function describeMemory(memory: GatewayMemory): string {
  return `RSS ${formatNumber(mb(memory.rssBytes))} MB, heap used ${formatNumber(mb(memory.heapUsedBytes ?? 0))} MB of ${formatNumber(mb(memory.heapTotalBytes ?? 0))} MB`;
}

/** Two full collections in a gateway started with gcOnSignal, each given time to finish. */
export async function collectGarbage(gateway: ServiceProcess): Promise<void> {
  for (let i = 0; i < 2; i += 1) {
    gateway.assertRunning();
    process.kill(gateway.pid, 'SIGUSR2');
    await sleep(500);
  }
}

export async function gatewayMemory(gateway: ServiceProcess): Promise<GatewayMemory> {
  const text = await gateway.scrape();
  const one = (name: string): number | undefined => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const rssBytes = one('process_resident_memory_bytes');
  if (rssBytes === undefined)
    throw new Error(`${gateway.name}: /metrics has no process_resident_memory_bytes`);
  const heapUsedBytes = one('nodejs_heap_size_used_bytes');
  const heapTotalBytes = one('nodejs_heap_size_total_bytes');
  const externalBytes = one('nodejs_external_memory_bytes');
  return {
    rssBytes,
    ...(heapUsedBytes !== undefined ? { heapUsedBytes } : {}),
    ...(heapTotalBytes !== undefined ? { heapTotalBytes } : {}),
    ...(externalBytes !== undefined ? { externalBytes } : {}),
  };
}
