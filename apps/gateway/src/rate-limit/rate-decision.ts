import { type RateLimitGroup } from '@webstream/config';
import { type WindowsOutcome } from './sliding-window';

/** Whom a limit counts: the caller (user, source address or MCP key), or the caller's organization. */
export type RateScope = 'identity' | 'tenant';

/** One limit a request was charged against, as its headers report it. */
export interface RatePolicyState {
  /** `<group>-<scope>`, the policy's name in the RateLimit and RateLimit-Policy headers. */
  name: string;
  scope: RateScope;
  limit: number;
  windowSeconds: number;
  remaining: number;
  /**
   * Whole seconds until this window admits one more than now (rounded up): the Retry-After of a refused
   * request, or, for an admitted one, until the oldest request counted leaves the window.
   */
  resetSeconds: number;
  /** This limit is why the request was refused. */
  exceeded: boolean;
}

export interface RateDecision {
  allowed: boolean;
  group: RateLimitGroup;
  /** The policy the single-valued headers report: the one that refused, else the one with the fewest left. */
  binding: RatePolicyState;
  /** The identity's policy, then the tenant's when there is a tenant. */
  policies: readonly RatePolicyState[];
  /** Refused only: whole seconds until a retry can be admitted (at least 1). */
  retryAfterSeconds?: number;
  /** Milliseconds since the epoch when it was decided, to turn the reset into a time. */
  decidedAt: number;
  /** The shared windows in Redis, or this gateway's own (no Redis, or Redis unavailable). */
  source: 'shared' | 'local';
}

/** The configured limit a window stands for. */
export interface PolicyLimit {
  scope: RateScope;
  limit: number;
  windowSeconds: number;
}

export function toDecision(
  group: RateLimitGroup,
  limits: readonly PolicyLimit[],
  outcome: WindowsOutcome,
  source: RateDecision['source'],
  decidedAt: number,
): RateDecision {
  const policies = limits.map((policy, i): RatePolicyState => {
    const window = outcome.windows[i] ?? { count: 0, resetMs: 0 };
    return {
      name: `${group}-${policy.scope}`,
      scope: policy.scope,
      limit: policy.limit,
      windowSeconds: policy.windowSeconds,
      remaining: Math.max(0, policy.limit - window.count),
      resetSeconds: Math.ceil(window.resetMs / 1000),
      exceeded: !outcome.admitted && window.count >= policy.limit,
    };
  });
  if (outcome.admitted) {
    const binding = policies.reduce((least, policy) => (policy.remaining < least.remaining ? policy : least));
    return { allowed: true, group, binding, policies, decidedAt, source };
  }
  const exceeded = policies.filter((policy) => policy.exceeded);
  const binding = (exceeded.length > 0 ? exceeded : policies).reduce((latest, policy) =>
    policy.resetSeconds > latest.resetSeconds ? policy : latest,
  );
  const retryAfterSeconds = Math.max(1, binding.resetSeconds);
  return {
    allowed: false,
    group,
    binding: { ...binding, resetSeconds: retryAfterSeconds },
    policies: policies.map((policy) =>
      policy === binding ? { ...policy, resetSeconds: retryAfterSeconds } : policy,
    ),
    retryAfterSeconds,
    decidedAt,
    source,
  };
}
