import { type IncomingMessage, type ServerResponse } from 'node:http';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  API_KEY_HEADER,
  type ApiKeyScope,
  auditSearchRoute,
  concurrencyReportRoute,
  SERVICE_TOKEN_SCHEME,
  topReportRoute,
  usageReportRoute,
} from '@webstream/contracts';
import { InjectConfig, sendError } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import {
  GatewayMetrics,
  markObservedElsewhere,
  type ServedBy,
  statusOf,
} from '../observability/gateway-metrics';
import { setMetricsRoute } from '../observability/gateway-metrics.middleware';
import { type McpArea, type McpCredential, MCP_KEY_HEADER, McpKeyAuthenticator } from './mcp-keys';
import { McpUpstream } from './mcp-upstream';

export const MCP_PREFIX = '/mcp';
export const MCP_API_PREFIX = '/mcp/api';
export const MCP_IAM_PREFIX = '/mcp/iam';

/** The path labels of MCP requests in gateway_requests_total: fixed names, never the raw path. */
export const MCP_PATH_LABELS = { api: '/mcp/api/*', iam: '/mcp/iam/*', other: '/mcp/*' } as const;

const UPSTREAM_TIMEOUT_MS = 30_000;
const BREAKER_FAILURES = 5;
const BREAKER_OPEN_MS = 10_000;

/** The scope an IAM API key needs, besides mcp, to read the metrics engine through /mcp/api. */
export const METRICS_READ_SCOPE: ApiKeyScope = 'metrics:read';

/**
 * What an IAM API key may read of the metrics engine: the reports and the audit log, which the engine filters by
 * organization, pinned here to the key's own. Node figures, live operations and ingestion are platform-wide:
 * they need a key from mcpApiKeys.
 */
export const ORG_SCOPED_ENGINE_ROUTES: ReadonlySet<string> = new Set([
  usageReportRoute.path,
  topReportRoute.path,
  concurrencyReportRoute.path,
  auditSearchRoute.path,
]);

interface Target {
  area: McpArea | undefined;
  /** The path on the peer: /api/… or /iam/…; undefined for an unknown /mcp path. */
  upstreamPath: string | undefined;
  search: string;
}

function splitUrl(url: string): { pathname: string; search: string } {
  const query = url.indexOf('?');
  return query < 0
    ? { pathname: url, search: '' }
    : { pathname: url.slice(0, query), search: url.slice(query) };
}

function targetOf(url: string): Target {
  const { pathname, search } = splitUrl(url);
  for (const [area, prefix] of [
    ['api', MCP_API_PREFIX],
    ['iam', MCP_IAM_PREFIX],
  ] as const) {
    if (pathname === prefix || pathname.startsWith(`${prefix}/`)) {
      return { area, upstreamPath: pathname.slice(MCP_PREFIX.length), search };
    }
  }
  return { area: undefined, upstreamPath: undefined, search };
}

/** A path that could climb out of /api or /iam once rewritten: dot segments, encoded slashes, backslashes. */
export function isUnsafePath(pathname: string): boolean {
  if (/%2f|%5c|\\/i.test(pathname)) return true;
  return pathname.split('/').some((segment) => {
    const decoded = segment.replace(/%2e/gi, '.');
    return decoded === '.' || decoded === '..';
  });
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Seed 000's MCP proxy. /mcp/api/* goes to the metrics engine's /api/* with the gateway's service token (the MCP
 * client never holds it); /mcp/iam/* goes to IAM's /iam/* as the IAM API key presented in X-MCP-Key, so IAM's own
 * guard, scopes and tenancy apply — in-process with the built-in IAM, over HTTP to accessManagement.url otherwise.
 */
@Injectable()
export class McpProxy implements OnApplicationShutdown {
  private readonly engine: McpUpstream;
  private readonly iam: McpUpstream | undefined;
  private readonly serviceToken: string | undefined;
  private readonly builtinIam: boolean;
  /** When each request reached the proxy, for its duration. */
  private readonly arrivals = new WeakMap<IncomingMessage, bigint>();

  constructor(
    @InjectConfig() config: WebstreamConfig,
    private readonly keys: McpKeyAuthenticator,
    private readonly metrics: GatewayMetrics,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(McpProxy.name);
    const common = {
      timeoutMs: UPSTREAM_TIMEOUT_MS,
      failureThreshold: BREAKER_FAILURES,
      openMs: BREAKER_OPEN_MS,
      logger: this.logger,
    };
    this.serviceToken = config.metricsEngine.serviceToken;
    this.engine = new McpUpstream({
      ...common,
      name: 'the metrics engine',
      target: config.metricsEngine.url,
    });
    const access = config.accessManagement;
    this.builtinIam = access.mode === 'builtin';
    this.iam =
      this.builtinIam || access.url === undefined
        ? undefined
        : new McpUpstream({ ...common, name: `the ${access.mode} IAM service`, target: access.url });
  }

  onApplicationShutdown(): void {
    this.engine.close();
    this.iam?.close();
  }

  /** Serves one /mcp/* request; calls `next` only to hand /mcp/iam/* to the in-process IAM, rewritten. */
  async handle(req: IncomingMessage, res: ServerResponse, next: () => void): Promise<void> {
    this.arrivals.set(req, process.hrtime.bigint());
    const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const target = targetOf(url);
    const label = target.area === undefined ? MCP_PATH_LABELS.other : MCP_PATH_LABELS[target.area];
    if (isUnsafePath(splitUrl(url).pathname)) {
      return this.refuse(req, res, label, 400, 'the path must not contain dot segments or encoded slashes');
    }
    const auth = await this.keys.authenticate(headerValue(req, MCP_KEY_HEADER), target.area ?? 'api');
    if (!auth.ok) {
      if (auth.reason !== undefined) this.metrics.authFailure(auth.reason);
      return this.refuse(req, res, label, auth.status, auth.message);
    }
    if (target.area === undefined || target.upstreamPath === undefined) {
      return this.refuse(
        req,
        res,
        label,
        404,
        `no MCP route: use ${MCP_API_PREFIX}/* or ${MCP_IAM_PREFIX}/*`,
      );
    }
    if (target.area === 'api')
      return this.toEngine(req, res, auth.credential, target.upstreamPath, target.search);
    return this.toIam(req, res, next, auth.credential, target.upstreamPath + target.search);
  }

  private toEngine(
    req: IncomingMessage,
    res: ServerResponse,
    credential: McpCredential,
    path: string,
    search: string,
  ): void {
    const label = MCP_PATH_LABELS.api;
    if (this.serviceToken === undefined) {
      return this.refuse(
        req,
        res,
        label,
        503,
        'metricsEngine.serviceToken is not set, so the gateway cannot call the metrics engine',
      );
    }
    let query = search;
    if (credential.kind === 'iam') {
      const scopes = credential.actor.scopes ?? [];
      if (!scopes.includes(METRICS_READ_SCOPE)) {
        return this.refuse(req, res, label, 403, `this API key has no ${METRICS_READ_SCOPE} scope`);
      }
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !ORG_SCOPED_ENGINE_ROUTES.has(path)) {
        return this.refuse(
          req,
          res,
          label,
          403,
          `an IAM API key reads only ${[...ORG_SCOPED_ENGINE_ROUTES].map((route) => `${MCP_PREFIX}${route}`).join(', ')} ` +
            'for its own organization; the rest of the metrics engine needs a key from mcpApiKeys',
        );
      }
      // The engine filters these by orgId: the key's organization, whatever the client asked for.
      const params = new URLSearchParams(search);
      params.set('orgId', credential.actor.orgId);
      query = `?${params.toString()}`;
    }
    this.observe(req, res, 'metrics-engine', label);
    req.url = path + query;
    this.engine.forward(req, res, { authorization: `${SERVICE_TOKEN_SCHEME} ${this.serviceToken}` });
  }

  private toIam(
    req: IncomingMessage,
    res: ServerResponse,
    next: () => void,
    credential: McpCredential,
    url: string,
  ): void {
    if (credential.kind === 'config') {
      // McpKeyAuthenticator refuses these for IAM already; kept so that no path forwards without a key.
      return this.refuse(req, res, MCP_PATH_LABELS.iam, 403, 'an IAM API key is needed for /mcp/iam/*');
    }
    if (this.builtinIam) {
      // Re-dispatched in this Express app: the routes after this middleware see /iam/…, authenticated by IAM's
      // own guard with the key as X-API-Key.
      delete req.headers.authorization;
      delete req.headers[MCP_KEY_HEADER];
      req.headers[API_KEY_HEADER] = credential.key;
      req.url = url;
      setMetricsRoute(req, { service: 'iam', prefix: MCP_PREFIX });
      next();
      return;
    }
    if (this.iam === undefined) {
      return this.refuse(req, res, MCP_PATH_LABELS.iam, 503, 'accessManagement.url is not set');
    }
    this.observe(req, res, 'iam', MCP_PATH_LABELS.iam);
    req.url = url;
    this.iam.forward(req, res, { [API_KEY_HEADER]: credential.key });
  }

  private refuse(
    req: IncomingMessage,
    res: ServerResponse,
    label: string,
    status: number,
    message: string,
  ): void {
    this.observe(req, res, 'gateway', label);
    sendError(req, res, status, message);
  }

  /** Records the request under `service` and `path` when it ends, instead of the request middleware. */
  private observe(req: IncomingMessage, res: ServerResponse, service: ServedBy, path: string): void {
    markObservedElsewhere(req);
    const arrived = this.arrivals.get(req) ?? process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - arrived) / 1e9;
      this.metrics.observeRequest(service, req.method ?? 'GET', path, statusOf(res), seconds);
    });
  }
}
