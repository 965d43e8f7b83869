import { z } from 'zod';
import {
  HTTP,
  SERVICE_TOKEN_MIN_LENGTH,
  enumOf,
  flag,
  hostOrIp,
  httpBaseUrl,
  ipRanges,
  isUrlWithProtocol,
  port,
  related,
  rule,
  seconds,
  secret,
  stripTrailingSlashes,
  text,
  wholeNumber,
} from './primitives';

export type LoadBalancingStrategy = 'RoundRobin' | 'LeastConnections' | 'Weighted';

export const LOAD_BALANCING_STRATEGIES = [
  'RoundRobin',
  'LeastConnections',
  'Weighted',
] as const satisfies readonly LoadBalancingStrategy[];

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

export const gatewaySchema = z.strictObject({
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
  trustedProxies: ipRanges(),
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

// The `webstreamSettings` section: the certificate the gateway serves httpsPort with.
export const webstreamSettingsSchema = z
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

// The `mcpApiKeys` section: the keys the gateway's MCP proxy accepts.

/** Minimum length of an MCP API key. */
export const MCP_KEY_MIN_LENGTH = 32;

const mcpApiKeySchema = z.strictObject({
  name: text('a non-empty name'),
  key: secret('a key', MCP_KEY_MIN_LENGTH),
});

export const mcpApiKeysSchema = z
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
