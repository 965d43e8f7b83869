// The one WebStream configuration file, as a zod schema. Every section is a strict object (a misspelt key is an
// error), every key has its default here, and every rule carries a message phrased for an operator.
//
// Messages in this file are predicates without their subject ("must be an integer between 1 and 65535"); the
// formatter in issues.ts puts the key in front ("gateway.port must be an integer between 1 and 65535"). They never
// include the offending value, so a secret that fails validation is not echoed into a log.
import { isIP } from 'node:net';
import { z } from 'zod';

export type LoadBalancingStrategy = 'RoundRobin' | 'LeastConnections' | 'Weighted';
export type AccessManagementMode = 'builtin' | 'standalone' | 'external';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOAD_BALANCING_STRATEGIES = [
  'RoundRobin',
  'LeastConnections',
  'Weighted',
] as const satisfies readonly LoadBalancingStrategy[];
export const ACCESS_MANAGEMENT_MODES = [
  'builtin',
  'standalone',
  'external',
] as const satisfies readonly AccessManagementMode[];
export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const satisfies readonly LogLevel[];

export const SERVICE_TOKEN_MIN_LENGTH = 32;

/** Minimum length of an MCP API key. */
export const MCP_KEY_MIN_LENGTH = 32;

/** Error function for a value's base type: "is required" when it is missing, the rule otherwise. */
function rule(text: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'is required' : text);
}

/** Attaches the absolute keys a cross-field rule depends on, so an env override of one of them is named. */
function related(...keys: string[]): { related: string[] } {
  return { related: keys };
}

const PORT_RULE = 'must be an integer between 1 and 65535';

function port(defaultPort: number) {
  return z
    .number({ error: rule(PORT_RULE) })
    .int({ error: PORT_RULE })
    .min(1, { error: PORT_RULE })
    .max(65535, { error: PORT_RULE })
    .default(defaultPort);
}

/** A duration in seconds (fractions allowed). */
function seconds(defaultSeconds: number, minimum = 1) {
  return z
    .number({ error: rule('must be a number of seconds') })
    .min(minimum, { error: `must be at least ${minimum} s` })
    .default(defaultSeconds);
}

function wholeNumber(minimum: number) {
  return z
    .number({ error: rule('must be a whole number') })
    .int({ error: 'must be a whole number' })
    .min(minimum, { error: `must be at least ${minimum}` });
}

function flag(defaultValue: boolean) {
  return z.boolean({ error: rule('must be true or false') }).default(defaultValue);
}

function text(what: string) {
  const message = `must be ${what}`;
  return z.string({ error: rule(message) }).min(1, { error: message });
}

/** A secret: the message hints at quoting, since YAML turns an unquoted all-digit secret into a number. */
function secret(what: string, minimum: number) {
  const message =
    minimum > 0 ? `must be ${what} of at least ${minimum} characters` : `must be ${what} (a string)`;
  return z
    .string({ error: rule(`${message}; quote it in YAML if it could be read as a number or boolean`) })
    .min(minimum, { error: message });
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isIpOrHostName(value: string): boolean {
  if (isIP(value) !== 0) return true;
  // "999.1.1.1" matches the host name pattern but is a mistyped address, not a name.
  return HOST_NAME.test(value) && !/^[\d.]+$/.test(value);
}

export function isIpOrCidr(value: string): boolean {
  const parts = value.split('/');
  const [address, bits] = parts;
  if (address === undefined || parts.length > 2) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

export function isUrlWithProtocol(value: string, protocols: readonly string[]): boolean {
  if (value === '' || value.trim() !== value) return false;
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

function stripTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

const HTTP = ['http:', 'https:'] as const;

/** An http(s) URL another service is reached at; a trailing slash is dropped so `${url}/path` is well formed. */
function httpBaseUrl(example: string) {
  const message = `must be an http:// or https:// URL such as ${example}`;
  return z
    .string({ error: rule(message) })
    .refine((value) => isUrlWithProtocol(value, HTTP), { error: message })
    .transform(stripTrailingSlashes);
}

function urlWith(protocols: readonly string[], message: string) {
  return z
    .string({ error: rule(message) })
    .refine((value) => isUrlWithProtocol(value, protocols), { error: message });
}

const postgresUrl = () =>
  urlWith(
    ['postgres:', 'postgresql:'],
    'must be a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/database',
  );

function enumOf<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return z.enum(values, { error: rule(`must be one of ${values.join(', ')}`) }).default(defaultValue);
}

function hostOrIp(defaultValue: string) {
  const message = 'must be an IP address (such as 0.0.0.0) or a host name';
  return z
    .string({ error: rule(message) })
    .refine(isIpOrHostName, { error: message })
    .default(defaultValue);
}

function nameList(what: string) {
  return z.array(text('a non-empty name'), { error: rule(`must be a list of ${what}`) }).default(() => []);
}

const weightKey = z.string().refine((value) => isUrlWithProtocol(value, HTTP), {
  error: "is not an http:// or https:// URL (weights are keyed by a session host's serverUrl)",
});

const rateRule = (limit: number, windowSeconds: number) =>
  z
    .strictObject({
      limit: wholeNumber(1).default(limit),
      windowSeconds: seconds(windowSeconds, 0.1),
    })
    .prefault({});

// Each route group has a limit per identity (the signed-in user, or the source address before sign-in) and
// one per tenant (the user's organization), over a sliding window.
const rateGroup = (identity: [number, number], tenant: [number, number]) =>
  z.strictObject({ perIdentity: rateRule(...identity), perTenant: rateRule(...tenant) }).prefault({});

export const RATE_LIMIT_GROUPS = ['auth', 'iam', 'session', 'connection', 'mcp', 'admin'] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];

const rateLimitsSchema = z.strictObject({
  enabled: flag(true),
  // Sign-in and token refresh, per source address.
  auth: rateGroup([30, 60], [3_000, 60]),
  // The rest of /iam/*.
  iam: rateGroup([600, 60], [6_000, 60]),
  // /gateway/session/*.
  session: rateGroup([60, 60], [1_200, 60]),
  // /getConnection and the /capture, /control, /audio upgrades.
  connection: rateGroup([120, 60], [2_400, 60]),
  // /mcp/*, per key.
  mcp: rateGroup([600, 60], [6_000, 60]),
  // /gateway/admin/*.
  admin: rateGroup([300, 60], [3_000, 60]),
});

/** A CSP source expression: 'none', 'self', a scheme such as https:, or a host such as https://portal.example.com. */
const CSP_SOURCE =
  /^(?:'none'|'self'|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*\.)?[A-Za-z0-9.-]+(?::\d{1,5})?)$/;

const gatewaySchema = z.strictObject({
  enabled: flag(true),
  publicIP: hostOrIp('0.0.0.0'),
  port: port(9000),
  httpsPort: port(443),
  // Who may show the web client in a frame (Content-Security-Policy frame-ancestors): nobody by default.
  frameAncestors: z
    .array(
      z
        .string({ error: rule("must be a CSP source such as 'self' or https://portal.example.com") })
        .regex(CSP_SOURCE, { error: "must be a CSP source such as 'self' or https://portal.example.com" }),
      { error: rule('must be a list of CSP sources') },
    )
    .min(1, { error: "must name at least one source; 'none' for nobody" })
    .default(() => ["'none'"]),
  elevateGatewayPriority: flag(false),
  // Seed 004's shapes. hijack: a session's sockets go through whichever gateway the browser reached (one
  // gateway, or a pool sharing its state in Redis). redirect: a gateway runs beside each session host, and the
  // browser opens a session's sockets at the gateway of the host that runs it (its sessionHost.publicGatewayUrl),
  // after signing in and launching at any gateway, or at a balancer in front of them all.
  topology: enumOf(['hijack', 'redirect'], 'hijack'),
  // This gateway as browsers reach it. In the redirect topology, it serves the sockets of the sessions whose host
  // names this URL as its sessionHost.publicGatewayUrl, and only those.
  publicUrl: httpBaseUrl('https://host1.example.com').optional(),
  // Where the web client may open sockets besides its own origin (CSP connect-src): in the redirect topology, the
  // gateways beside the session hosts, such as https://*.hosts.example.com.
  connectSources: z
    .array(
      z
        .string({ error: rule('must be a CSP source such as https://*.hosts.example.com') })
        .regex(CSP_SOURCE, { error: 'must be a CSP source such as https://*.hosts.example.com' }),
      { error: rule('must be a list of CSP sources') },
    )
    .default(() => []),
  trustedProxies: z
    .array(
      z
        .string({ error: rule('must be an IP address or CIDR range such as 10.0.0.0/8') })
        .refine(isIpOrCidr, { error: 'must be an IP address or CIDR range such as 10.0.0.0/8' }),
      { error: rule('must be a list of IP addresses or CIDR ranges') },
    )
    .default(() => []),
  loadBalancing: z
    .strictObject({
      strategy: enumOf(LOAD_BALANCING_STRATEGIES, 'RoundRobin'),
      sessionAffinityTimeout: seconds(3600),
      weights: z
        .record(
          weightKey,
          z
            .number({ error: rule('must be a positive whole number') })
            .int({ error: 'must be a positive whole number' })
            .min(1, { error: 'must be a positive whole number' }),
          { error: rule('must be a mapping of session host serverUrl to a positive whole number') },
        )
        .transform((weights) => {
          const normalised: Record<string, number> = {};
          for (const [url, weight] of Object.entries(weights)) normalised[stripTrailingSlashes(url)] = weight;
          return normalised;
        })
        .default(() => ({})),
    })
    .prefault({}),
  healthCheck: z
    .strictObject({
      interval: seconds(10),
      timeout: seconds(8),
      failureThreshold: wholeNumber(1).default(4),
      successThreshold: wholeNumber(1).default(2),
    })
    .prefault({}),
  backend: z
    .strictObject({
      gatewayUrl: httpBaseUrl('http://gateway.internal:9000').default('http://localhost:9000'),
      heartbeatInterval: seconds(10),
      // The credential session hosts and streamers present (X-Backend-Token) on /gateway/register,
      // heartbeat, unregister and the licence check-ins; no default, `webstream all` makes one per run.
      token: secret('a token', SERVICE_TOKEN_MIN_LENGTH).optional(),
      // A registered host silent for longer than this is treated as gone.
      heartbeatTimeout: seconds(30),
    })
    .prefault({}),
  // Sessions one user may hold at once, across workspaces.
  maxSessionsPerUser: wholeNumber(1).default(5),
  webSocket: z
    .strictObject({
      // Origins (scheme://host[:port]) a browser may open the session's WebSockets from; the gateway's own
      // origin is always allowed.
      allowedOrigins: z
        .array(
          z
            .string({ error: rule('must be an origin such as https://portal.example.com') })
            .refine((value) => isUrlWithProtocol(value, HTTP) && new URL(value).origin === value, {
              error: 'must be an origin such as https://portal.example.com (no path, no trailing slash)',
            }),
          { error: rule('must be a list of origins') },
        )
        .default(() => []),
      // How long a WebSocket ticket from /getConnection may wait to be used (once).
      ticketTtl: seconds(30),
      // How long connecting to a session's streamer may take before the client's socket is closed.
      upstreamConnectTimeout: seconds(10),
      // The largest message a browser may send on each socket: a larger one closes it with 1009 before any of
      // it reaches the streamer. /control carries clipboard text (the contract's 16 MiB and its envelope).
      maxMessageBytes: z
        .strictObject({
          capture: wholeNumber(1_024).default(64 * 1024),
          control: wholeNumber(1_024).default(17 * 1024 * 1024),
          audio: wholeNumber(1_024).default(64 * 1024),
        })
        .prefault({}),
    })
    .prefault({}),
  rateLimits: rateLimitsSchema.prefault({}),
  licence: z
    .strictObject({
      // The signed licence (payload.signature, base64url), and the Ed25519 public key (PEM) it is checked
      // with. Without a valid one every streamer check-in is refused (403).
      key: text('a signed licence').optional(),
      publicKey: text('a PEM public key').optional(),
    })
    .prefault({}),
});

const UID_RULE = 'must be a whole number between 1000 and 4294967294';
function uid(defaultUid: number) {
  return z
    .number({ error: rule(UID_RULE) })
    .int({ error: UID_RULE })
    .min(1000, { error: UID_RULE })
    .max(0xfffffffe, { error: UID_RULE })
    .default(defaultUid);
}

/** The host's default limits of one session's application; a workspace policy's sandbox.limits overrides them. */
const sessionLimitsSchema = z.strictObject({
  memoryMb: wholeNumber(16).default(2048),
  cpus: z
    .number({ error: rule('must be a number of cores, such as 0.5 or 2') })
    .min(0.01, { error: 'must be at least 0.01' })
    .default(1),
  processes: wholeNumber(8).default(256),
  openFiles: wholeNumber(64).default(4096),
  homeDiskMb: wholeNumber(1).default(2048),
});

const sandboxSchema = z
  .strictObject({
    mode: enumOf(['auto', 'bubblewrap', 'none'], 'auto'),
    uidRange: z
      .strictObject({ first: uid(200_000), last: uid(265_535) })
      .prefault({})
      .superRefine((range, ctx) => {
        if (range.last < range.first) {
          ctx.addIssue({ code: 'custom', path: ['last'], message: 'must not be below uidRange.first' });
        }
      }),
    homeRoot: text('a folder path').default('./.data/homes'),
    runtimeRoot: text('a folder path').default('/run/webstream'),
    home: enumOf(['persistent', 'ephemeral'], 'persistent'),
    network: enumOf(['host', 'none'], 'host'),
    limits: sessionLimitsSchema.prefault({}),
  })
  .prefault({});

const sessionHostSchema = z
  .strictObject({
    publicIP: hostOrIp('0.0.0.0'),
    port: port(9005),
    serverUrl: httpBaseUrl('http://10.0.1.5:9005').optional(),
    // In the redirect topology (gateway.topology), the public URL of the gateway beside this host, where browsers
    // open its sessions' sockets.
    publicGatewayUrl: httpBaseUrl('https://host1.example.com').optional(),
    maxSessions: wholeNumber(1).default(10),
    tags: nameList('tags'),
    capabilities: nameList('capabilities'),
    instanceType: text('a machine type name such as m5.xlarge').optional(),
    streamerReadyTimeout: seconds(20),
    drainTimeout: seconds(60, 0),
    streamerAddress: z
      .string({ error: rule('must be an IP address or a host name') })
      .refine(isIpOrHostName, { error: 'must be an IP address or a host name' })
      .optional(),
    sandbox: sandboxSchema,
  })
  .transform((host) => ({
    publicIP: host.publicIP,
    port: host.port,
    serverUrl: host.serverUrl ?? `http://localhost:${host.port}`,
    publicGatewayUrl: host.publicGatewayUrl,
    maxSessions: host.maxSessions,
    tags: host.tags,
    capabilities: host.capabilities,
    instanceType: host.instanceType,
    streamerReadyTimeout: host.streamerReadyTimeout,
    drainTimeout: host.drainTimeout,
    // Streamers listen where the gateway reaches this host, and nowhere else; a name such as localhost
    // is the loopback address, so a streamer is never open on every interface by default.
    streamerAddress:
      host.streamerAddress ?? streamerAddressFor(host.serverUrl ?? `http://localhost:${host.port}`),
    sandbox: host.sandbox,
  }));

function streamerAddressFor(serverUrl: string): string {
  const hostname = new URL(serverUrl).hostname.replace(/^\[|\]$/g, '');
  if (hostname === 'localhost') return '127.0.0.1';
  return hostname;
}

const streamerSchema = z.strictObject({
  basePort: port(9010),
  captureSource: enumOf(['auto', 'x11', 'synthetic'], 'auto'),
  frameRate: wholeNumber(1).max(60, { error: 'must be at most 60' }).default(30),
  width: wholeNumber(320).max(7680, { error: 'must be at most 7680' }).default(1280),
  height: wholeNumber(200).max(4320, { error: 'must be at most 4320' }).default(720),
  // ffmpeg's JPEG quantiser: 2 is the best picture; adaptive quality moves towards 31 when clients fall behind.
  jpegQuality: wholeNumber(2).max(31, { error: 'must be at most 31' }).default(5),
  // A client whose socket holds more than this is skipped (frames dropped) until it drains.
  maxBufferedBytes: wholeNumber(65_536).default(2 * 1024 * 1024),
  // OpenGL (GLX, in software) on the session's display, for applications that need it: it costs each session
  // about 55 MB more of Xvfb memory.
  glx: flag(false),
  telemetryInterval: seconds(5),
});

const webstreamSettingsSchema = z
  .strictObject({
    serverPfxCertificateFile: text('the path of a .pfx certificate file').optional(),
    // '' is allowed: a PFX exported without a password.
    serverPfxSecret: secret('the password of the PFX certificate', 0).optional(),
  })
  .superRefine((settings, ctx) => {
    if (settings.serverPfxCertificateFile !== undefined && settings.serverPfxSecret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['serverPfxSecret'],
        message: 'is required when webstreamSettings.serverPfxCertificateFile is set',
        params: related('webstreamSettings.serverPfxCertificateFile'),
      });
    }
  });

export const TOKEN_SIGNING_KEY_MIN_LENGTH = 32;

const bootstrapAdminSchema = z.strictObject({
  // The platform admin created on an empty database; also WEBSTREAM_ADMIN_USERNAME / WEBSTREAM_ADMIN_PASSWORD.
  username: text('a user name').default('admin'),
  // Unset: a strong password is generated, printed once and written to credentialsFile (mode 0600).
  password: secret('a password', 12).optional(),
  credentialsFile: text('a file path').default('./.data/initial-credentials.txt'),
});

const loginThrottleSchema = z.strictObject({
  // Failed logins of one user that are answered at once; each further one doubles the wait before the next.
  freeAttempts: wholeNumber(1).default(3),
  lockAfterFailures: wholeNumber(2).default(10),
  lockoutSeconds: seconds(900),
  // Failed logins from one source address, whatever the user, before that address is locked out.
  addressLockAfterFailures: wholeNumber(2).default(100),
  addressWindowSeconds: seconds(3600),
});

const accessManagementSchema = z
  .strictObject({
    mode: enumOf(ACCESS_MANAGEMENT_MODES, 'builtin'),
    url: httpBaseUrl('http://iam.internal:8090').optional(),
    publicIP: hostOrIp('0.0.0.0'),
    port: port(8090),
    databaseUrl: postgresUrl().optional(),
    // Signs and verifies the access JWTs (HS256) in IAM and the gateway; no default, `webstream all` keeps one
    // under its data folder.
    tokenSigningKey: secret('a key', TOKEN_SIGNING_KEY_MIN_LENGTH).optional(),
    accessTokenTtl: seconds(900, 30),
    refreshTokenTtl: seconds(14 * 24 * 3600, 60),
    bootstrapAdmin: bootstrapAdminSchema.prefault({}),
    // Creates a demo organization, user, application and workspace once, on an empty database.
    demo: flag(false),
    loginThrottle: loginThrottleSchema.prefault({}),
    // How long a resolved entitlement may be served from memory when no change notice has arrived.
    entitlementCacheTtl: seconds(60, 0),
  })
  .superRefine((access, ctx) => {
    if (access.mode !== 'builtin' && access.url === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `is required when accessManagement.mode is ${access.mode} (it is where the gateway reaches the Access Management service)`,
        params: related('accessManagement.mode'),
      });
    }
  });

const mcpApiKeySchema = z.strictObject({
  name: text('a non-empty name'),
  key: secret('a key', MCP_KEY_MIN_LENGTH),
});

const mcpApiKeysSchema = z
  .array(mcpApiKeySchema, { error: rule('must be a list of { name, key } entries') })
  .superRefine((keys, ctx) => {
    const names = new Map<string, number>();
    const secrets = new Map<string, number>();
    keys.forEach((entry, index) => {
      const sameName = names.get(entry.name);
      if (sameName === undefined) names.set(entry.name, index);
      else {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `duplicates mcpApiKeys[${sameName}].name (${JSON.stringify(entry.name)}); names must be unique`,
        });
      }
      const sameKey = secrets.get(entry.key);
      if (sameKey === undefined) secrets.set(entry.key, index);
      else {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'key'],
          message: `is the same as mcpApiKeys[${sameKey}].key; give each client its own key`,
        });
      }
    });
  })
  .default(() => []);

const retentionSchema = z.strictObject({
  rawSampleDays: wholeNumber(1).default(7),
  hourlyAggregateMonths: wholeNumber(1).default(13),
  activityDays: wholeNumber(1).default(90),
  // 0 keeps the audit log for ever.
  auditDays: wholeNumber(0).default(0),
  intervalMinutes: wholeNumber(1).default(60),
  // A session whose streamer (or, without streamer figures, whose node) has been silent this long is
  // ended at its last sign of life, so a lost session-end does not count as running for ever.
  openSessionTimeoutMinutes: wholeNumber(1).default(10),
});

const metricsEngineSchema = z.strictObject({
  publicIP: hostOrIp('0.0.0.0'),
  httpPort: port(9009),
  url: httpBaseUrl('http://metrics.internal:9009').default('http://localhost:9009'),
  databaseUrl: postgresUrl().optional(),
  // The credential every caller of /api/* presents; no default, `webstream all` generates one per run.
  serviceToken: secret('a token', SERVICE_TOKEN_MIN_LENGTH).optional(),
  retention: retentionSchema.prefault({}),
});

const telemetrySchema = z.strictObject({
  // Where each service's reporting client spills what it cannot keep in memory or send yet.
  spoolDir: text('a directory path').default('./.data/telemetry'),
  maxMemoryEvents: wholeNumber(100).default(10_000),
  batchSize: wholeNumber(1).max(5_000, { error: 'must be at most 5000' }).default(500),
  flushIntervalMs: wholeNumber(10).default(1_000),
});

const redisSchema = z.strictObject({
  url: urlWith(
    ['redis:', 'rediss:'],
    'must be a redis:// or rediss:// URL such as redis://redis:6379',
  ).optional(),
  // Put before every key WebStream writes, so that several deployments (or test runs) can share a server.
  keyPrefix: z
    .string({ error: rule('must be a key prefix such as webstream:') })
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: 'must be 1-64 letters, digits or _ . : -' })
    .default('webstream:'),
});

const embeddedDatabaseSchema = z.strictObject({
  dataDir: text('a directory path').default('./.data/postgres'),
  port: port(5433),
});

const loggingSchema = z.strictObject({
  level: enumOf(LOG_LEVELS, 'info'),
});

const requestBodiesSchema = z.strictObject({
  // The largest JSON body of a route, on every service; a larger one is refused with 413.
  defaultMaxBytes: wholeNumber(1_024).default(1024 * 1024),
  // The metrics engine's telemetry ingest, where a full batch (5,000 events) is a few MB of JSON.
  telemetryMaxBytes: wholeNumber(1_024).default(16 * 1024 * 1024),
});

const tracingSchema = z.strictObject({
  // OpenTelemetry traces, exported over OTLP/HTTP (JSON). Off by default: nothing is sent anywhere.
  enabled: flag(false),
  // The collector's traces URL, e.g. http://otel-collector:4318/v1/traces. Without one the exporter follows
  // the standard OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT, else localhost:4318.
  endpoint: urlWith(
    HTTP,
    'must be an http:// or https:// URL such as http://otel-collector:4318/v1/traces',
  ).optional(),
  // The share of new traces recorded (0..1); a request that arrives with a sampled traceparent is always followed.
  sampleRatio: z
    .number({ error: rule('must be a number from 0 to 1') })
    .min(0)
    .max(1)
    .default(1),
});

const observabilitySchema = z.strictObject({
  tracing: tracingSchema.prefault({}),
});

const metricsSchema = z.strictObject({
  // Prometheus's bearer_token: /metrics answers only requests that carry it; without one, no port serves it.
  bearerToken: secret('a token', 32).optional(),
});

export const webstreamConfigSchema = z
  .strictObject({
    gateway: gatewaySchema.prefault({}),
    sessionHost: sessionHostSchema.prefault({}),
    streamer: streamerSchema.prefault({}),
    webstreamSettings: webstreamSettingsSchema.prefault({}),
    accessManagement: accessManagementSchema.prefault({}),
    mcpApiKeys: mcpApiKeysSchema,
    metricsEngine: metricsEngineSchema.prefault({}),
    telemetry: telemetrySchema.prefault({}),
    redis: redisSchema.prefault({}),
    embeddedDatabase: embeddedDatabaseSchema.prefault({}),
    logging: loggingSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    observability: observabilitySchema.prefault({}),
    requestBodies: requestBodiesSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    const { heartbeatInterval, heartbeatTimeout } = config.gateway.backend;
    if (heartbeatTimeout <= heartbeatInterval) {
      ctx.addIssue({
        code: 'custom',
        path: ['gateway', 'backend', 'heartbeatTimeout'],
        message: `must be longer than gateway.backend.heartbeatInterval (${heartbeatInterval} s), or every host would count as gone between two heartbeats`,
        params: related('gateway.backend.heartbeatInterval'),
      });
    }
    // A session host and its streamers always share a machine, so their ports must not collide.
    const first = config.streamer.basePort;
    const last = first + config.sessionHost.maxSessions - 1;
    if (last > 65535) {
      ctx.addIssue({
        code: 'custom',
        path: ['streamer', 'basePort'],
        message: `leaves no room for sessionHost.maxSessions (${config.sessionHost.maxSessions}) streamers: the last streamer port would be ${last}, above 65535`,
        params: related('sessionHost.maxSessions'),
      });
    } else if (config.sessionHost.port >= first && config.sessionHost.port <= last) {
      ctx.addIssue({
        code: 'custom',
        path: ['streamer', 'basePort'],
        message: `puts the streamer ports ${first}-${last} over sessionHost.port (${config.sessionHost.port}); they share the session host`,
        params: related('sessionHost.port', 'sessionHost.maxSessions'),
      });
    }
  });

export type WebstreamConfig = z.output<typeof webstreamConfigSchema>;
export type WebstreamConfigInput = z.input<typeof webstreamConfigSchema>;
