import { createHash } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Duplex } from 'node:stream';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type RateLimitGroup, type WebstreamConfig } from '@webstream/config';
import { AccessTokenGuard } from '@webstream/iam';
import { InjectConfig, InjectMetrics } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import CircuitBreaker from 'opossum';
import { Counter, Gauge, type Registry } from 'prom-client';
import { type GatewayRedis, InjectGatewayRedis } from '../state/gateway-state.module';
import { clientAddress } from '../tls/trusted-proxies';
import { type PolicyLimit, type RateDecision, toDecision } from './rate-decision';
import { refuseUpgrade, sendRateLimited, writeHeaders } from './rate-limit-answers';
import { RedisSlidingWindows } from './redis-sliding-windows';
import { groupFor } from './route-groups';
import { MemorySlidingWindows, type WindowLimit, type WindowsOutcome } from './sliding-window';

/** A Redis answer slower than this counts as a failure, and the gateway's own windows decide. */
const REDIS_TIMEOUT_MS = 250;
/** How long the circuit stays open before one trial call to Redis. */
const BREAKER_RESET_MS = 10_000;
/** How often the windows nothing is counted in any more are forgotten. */
const SWEEP_INTERVAL_MS = 15_000;
/** A longer identity (a forwarded address is the client's text) is kept as its hash. */
const MAX_IDENTITY_LENGTH = 128;
export const MCP_KEY_HEADER = 'x-mcp-key';

/** Who a request is charged to. */
export interface RateSubject {
  /** `user:<id>`, `ip:<address>` or `mcp:<key name>`. */
  identity: string;
  /** The signed-in user's organization; none before sign-in or for an MCP key. */
  tenant?: string;
}

export const userIdentity = (userId: string): string => `user:${userId}`;
export const addressIdentity = (address: string): string => `ip:${address}`;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The gateway's rate limits: per route group (gateway.rateLimits), a sliding window per identity (the
 * signed-in user, else the source address) and one per tenant (the user's organization). With redis.url
 * the windows are shared by every gateway, in Redis behind a circuit breaker; while Redis is unavailable
 * (an error, a timeout, the circuit open) this gateway's own windows decide alone, and they always count
 * what the shared ones admitted through this gateway, so they are warm when Redis goes.
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly settings: WebstreamConfig['gateway']['rateLimits'];
  private readonly local: MemorySlidingWindows;
  private readonly breaker: CircuitBreaker<[readonly WindowLimit[]], WindowsOutcome> | undefined;
  // The configured MCP keys by their SHA-256, so a presented key is looked up without comparing secrets.
  private readonly mcpKeys: Map<string, string>;
  private readonly trustedProxies: readonly string[];
  // A request decided once (by the raw server's path and again by the middleware, say) is charged once.
  private readonly decided = new WeakMap<IncomingMessage, Promise<RateDecision | undefined>>();
  private readonly exceeded: Counter<'tenant' | 'group'>;
  private readonly degradedGauge: Gauge;
  private degraded = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    @InjectConfig() config: WebstreamConfig,
    @InjectGatewayRedis() redis: GatewayRedis,
    private readonly tokens: AccessTokenGuard,
    private readonly logger: PinoLogger,
    @InjectMetrics() registry: Registry,
  ) {
    this.logger.setContext(RateLimiter.name);
    this.settings = config.gateway.rateLimits;
    this.local = new MemorySlidingWindows();
    this.mcpKeys = new Map(config.mcpApiKeys.map((entry) => [sha256(entry.key), entry.name]));
    this.trustedProxies = config.gateway.trustedProxies;
    if (redis !== null) {
      const shared = new RedisSlidingWindows(redis);
      this.breaker = new CircuitBreaker((limits: readonly WindowLimit[]) => shared.hit(limits), {
        name: 'rate-limit-redis',
        timeout: REDIS_TIMEOUT_MS,
        errorThresholdPercentage: 50,
        volumeThreshold: 5,
        resetTimeout: BREAKER_RESET_MS,
        enableSnapshots: false,
      });
    }
    this.exceeded = new Counter({
      name: 'gateway_rate_limit_exceeded_total',
      help: "Requests refused with 429 by the rate limits, by tenant (the user's organization, 'anonymous' before sign-in) and route group",
      labelNames: ['tenant', 'group'] as const,
      registers: [registry],
    });
    this.degradedGauge = new Gauge({
      name: 'gateway_rate_limit_redis_degraded',
      help: "1 while the shared rate-limit windows in Redis are unavailable and this gateway's own windows decide alone",
      registers: [registry],
    });
    this.degradedGauge.set(0);
    this.sweeper = setInterval(() => this.local.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    this.breaker?.shutdown();
  }

  /** The rate-limit group of a path, or undefined for one that is not limited. */
  groupFor(path: string): RateLimitGroup | undefined {
    return groupFor(path);
  }

  /**
   * Charges a request of `group` to `identity` and, when given, `tenant`: admitted only if both limits have
   * room, and then counted in both. Always answers: with Redis unavailable the gateway's own windows decide.
   */
  async decide(group: RateLimitGroup, identity: string, tenant: string | undefined): Promise<RateDecision> {
    const { perIdentity, perTenant } = this.settings[group];
    const policies: PolicyLimit[] = [{ scope: 'identity', ...perIdentity }];
    const limits: WindowLimit[] = [
      { key: `ratelimit:${group}:identity:${bounded(identity)}`, ...windowOf(perIdentity) },
    ];
    if (tenant !== undefined) {
      policies.push({ scope: 'tenant', ...perTenant });
      limits.push({ key: `ratelimit:${group}:tenant:${bounded(tenant)}`, ...windowOf(perTenant) });
    }
    const decidedAt = Date.now();
    const [outcome, source] = await this.hit(limits);
    const decision = toDecision(group, policies, outcome, source, decidedAt);
    if (!decision.allowed) this.exceeded.inc({ tenant: tenant ?? 'anonymous', group });
    return decision;
  }

  /**
   * The decision for a request (an Express request or a raw one, a WebSocket upgrade included), or
   * undefined when its path is not limited or rate limiting is off. Charged once per request however often
   * it is asked.
   */
  decideRequest(req: IncomingMessage): Promise<RateDecision | undefined> {
    let decision = this.decided.get(req);
    if (decision === undefined) {
      decision = this.decideOnce(req);
      this.decided.set(req, decision);
    }
    return decision;
  }

  /**
   * For the raw server's requests (and the middleware): decides, puts the headers on the answer, and
   * answers 429 when refused. True when the request may go on.
   */
  async limitRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const decision = await this.decideRequest(req);
    if (decision === undefined) return true;
    if (!decision.allowed) {
      sendRateLimited(res, decision);
      return false;
    }
    writeHeaders(res, decision);
    return true;
  }

  /** For a WebSocket upgrade: decides, and when refused writes the raw 429 and closes. True when it may go on. */
  async limitUpgrade(req: IncomingMessage, socket: Duplex): Promise<boolean> {
    const decision = await this.decideRequest(req);
    if (decision === undefined || decision.allowed) return true;
    refuseUpgrade(socket, decision);
    return false;
  }

  /**
   * Who a request of `group` is charged to: for sign-in (auth) always its source address; for /mcp/* the
   * X-MCP-Key's configured name (an unknown or missing key: the source address); otherwise the user of a
   * valid bearer token and their organization, else the source address.
   */
  async subjectOf(req: IncomingMessage, group: RateLimitGroup): Promise<RateSubject> {
    const address = { identity: addressIdentity(this.addressOf(req)) };
    if (group === 'auth') return address;
    if (group === 'mcp') {
      const presented = req.headers[MCP_KEY_HEADER];
      const name = typeof presented === 'string' ? this.mcpKeys.get(sha256(presented)) : undefined;
      return name === undefined ? address : { identity: `mcp:${name}` };
    }
    if (!/^bearer\s/i.test(req.headers.authorization ?? '')) return address;
    try {
      const outcome = await this.tokens.authenticate(req);
      if ('actor' in outcome)
        return { identity: userIdentity(outcome.actor.id), tenant: outcome.actor.orgId };
    } catch {
      // A token that cannot be checked is no sign-in: the route's own guard answers for it.
    }
    return address;
  }

  private async decideOnce(req: IncomingMessage): Promise<RateDecision | undefined> {
    if (!this.settings.enabled) return undefined;
    const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const group = groupFor(url);
    if (group === undefined) return undefined;
    const subject = await this.subjectOf(req, group);
    return this.decide(group, subject.identity, subject.tenant);
  }

  /**
   * Express's req.ip where there is one (it honours `trust proxy`); on a raw request (the data plane's, an
   * upgrade) the same rule from gateway.trustedProxies: the socket's peer unless that is a trusted proxy.
   */
  private addressOf(req: IncomingMessage): string {
    const ip = (req as { ip?: unknown }).ip;
    if (typeof ip === 'string' && ip !== '') return ip;
    return clientAddress(req, this.trustedProxies) ?? 'unknown';
  }

  private async hit(limits: readonly WindowLimit[]): Promise<[WindowsOutcome, RateDecision['source']]> {
    if (this.breaker === undefined) return [this.local.hit(limits), 'local'];
    let shared: WindowsOutcome;
    try {
      shared = await this.breaker.fire(limits);
    } catch (error) {
      this.markDegraded(error);
      return [this.local.hit(limits), 'local'];
    }
    this.markRestored();
    // Mirrors what the shared windows admitted, so this gateway's windows are warm if Redis goes.
    if (shared.admitted) this.local.hit(limits, true);
    return [shared, 'shared'];
  }

  private markDegraded(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.degradedGauge.set(1);
    this.logger.warn(
      { reason: error instanceof Error ? error.message : String(error) },
      "Redis is unavailable for rate limiting: this gateway's own windows decide alone until it is back",
    );
  }

  private markRestored(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.degradedGauge.set(0);
    this.logger.info('Redis is back for rate limiting: the windows are shared again');
  }
}

function windowOf(rule: { limit: number; windowSeconds: number }): { limit: number; windowMs: number } {
  return { limit: rule.limit, windowMs: Math.max(1, Math.round(rule.windowSeconds * 1000)) };
}

function bounded(part: string): string {
  return part.length <= MAX_IDENTITY_LENGTH ? part : `sha256:${sha256(part)}`;
}
