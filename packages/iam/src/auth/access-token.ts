import {
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  Inject,
  Injectable,
  Module,
  Optional,
  type Provider,
  UnauthorizedException,
} from '@nestjs/common';
import { type TokenSubject, userRoleSchema } from '@webstream/contracts';
import { currentSpan, ServiceTracing } from '@webstream/service-kit';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { type IncomingMessage } from 'node:http';
import { sign } from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { ExtractJwt, Strategy as JwtStrategy, type VerifiedCallback } from 'passport-jwt';
import { z } from 'zod';
import { type Actor, type AuthenticatedRequest } from './actor';

// One algorithm, named on both sides: a token whose header says "none", RS256 or HS512 is refused before its
// signature is looked at, so a public key can never be used as an HMAC secret.
export const ACCESS_TOKEN_ALGORITHM = 'HS256';
export const ACCESS_TOKEN_ISSUER = 'webstream-iam';
export const ACCESS_TOKEN_AUDIENCE = 'webstream';

export interface AccessTokenOptions {
  signingKey: string;
  /** Seconds. */
  ttl: number;
}
const ACCESS_TOKEN_OPTIONS = Symbol('ACCESS_TOKEN_OPTIONS');

export const accessClaimsSchema = z.object({
  sub: z.string().min(1),
  username: z.string().min(1),
  org: z.string().min(1),
  role: userRoleSchema,
  /** The user's token generation when the token was issued (TokenSubject.tokenGeneration). */
  gen: z.int().min(0),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

/** How far a token's `iat` may lie ahead of this clock: other instances' clocks drift a little. */
const CLOCK_SKEW_SECONDS = 30;

/**
 * What IAM knows now of the users tokens name: a token is honoured only while its user exists, is enabled, has
 * the role and organization it claims and the generation it was issued under. IAM answers from its database
 * (cached until a change is notified); a gateway without that database asks IAM.
 */
export abstract class TokenSubjects {
  /** The user's state, or null when there is no such user. */
  abstract current(userId: string): Promise<TokenSubject | null>;
}

/** Why a token's user no longer stands behind it, or undefined while they do. */
export function subjectProblem(
  actor: Actor,
  generation: number,
  subject: TokenSubject | null,
): string | undefined {
  if (subject === null) return 'its user no longer exists';
  if (subject.disabled) return 'its user is disabled';
  if (subject.role !== actor.role || subject.orgId !== actor.orgId) {
    return "its user's role or organization has changed; sign in again";
  }
  if (subject.tokenGeneration !== generation) return 'it was revoked (signed out, or the password changed)';
  return undefined;
}

/**
 * The key as a KeyObject, not a string: jsonwebtoken first tries to parse a string as a PEM private or
 * public key and only then treats it as a secret, which was half the CPU of a cached request.
 */
function secretKey(options: AccessTokenOptions): KeyObject {
  return createSecretKey(Buffer.from(options.signingKey, 'utf8'));
}

@Injectable()
export class AccessTokenIssuer {
  private readonly key: KeyObject;

  constructor(@Inject(ACCESS_TOKEN_OPTIONS) private readonly options: AccessTokenOptions) {
    this.key = secretKey(options);
  }

  get ttl(): number {
    return this.options.ttl;
  }

  issue(claims: AccessClaims): Promise<string> {
    return new Promise((resolve, reject) =>
      sign(
        claims,
        this.key,
        {
          algorithm: ACCESS_TOKEN_ALGORITHM,
          expiresIn: this.options.ttl,
          issuer: ACCESS_TOKEN_ISSUER,
          audience: ACCESS_TOKEN_AUDIENCE,
        },
        (error, token) =>
          error || token === undefined ? reject(error ?? new Error('no token')) : resolve(token),
      ),
    );
  }
}

const VERIFIED_TOKENS = 10_000;
const VERIFIED_TOKEN_TTL_MS = 5 * 60_000;

/** The token's `exp` in epoch milliseconds, or undefined. */
function expiryOf(payload: unknown): number | undefined {
  const exp = (payload as { exp?: unknown } | null)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

interface VerifiedToken {
  actor: Actor;
  generation: number;
}

/**
 * The token's claims, or why they are not acceptable: an expiry and an issue time are required, the lifetime
 * may not exceed accessTokenTtl, and the token may not be issued in the future.
 */
function verifiedClaims(payload: unknown, ttlSeconds: number): VerifiedToken | string {
  const { exp, iat } = (payload ?? {}) as { exp?: unknown; iat?: unknown };
  if (typeof exp !== 'number') return 'it has no expiry (exp)';
  if (typeof iat !== 'number') return 'it has no issue time (iat)';
  if (exp - iat > ttlSeconds) return `its lifetime exceeds ${ttlSeconds} s (accessManagement.accessTokenTtl)`;
  if (iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) return 'it is issued in the future (iat)';
  const claims = accessClaimsSchema.safeParse(payload);
  if (!claims.success) return 'its claims are not those of a WebStream access token';
  const { sub, username, org, role, gen } = claims.data;
  return { actor: { kind: 'user', id: sub, name: username, orgId: org, role }, generation: gen };
}

/**
 * Verifies `Authorization: Bearer <access token>` with passport-jwt; 401 for a missing, expired, forged or
 * foreign token. The strategy is this module's own rather than registered in passport's process-wide
 * registry, so two modules with different keys in one process (tests, say) cannot take each other's.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private readonly strategy: JwtStrategy;
  private readonly outcomes = new WeakMap<IncomingMessage, Promise<{ actor: Actor } | { problem: string }>>();
  // A client sends the same token with every request of its 15 minutes: its signature and claims are checked
  // once, and the answer is kept until the token expires (at most VERIFIED_TOKEN_TTL_MS). Whether its user
  // still stands behind it is asked every time (TokenSubjects answers from a cache of its own).
  private readonly verified = new LRUCache<string, VerifiedToken>({ max: VERIFIED_TOKENS });
  private readonly bearerOf = ExtractJwt.fromAuthHeaderAsBearerToken();

  constructor(
    @Inject(ACCESS_TOKEN_OPTIONS) options: AccessTokenOptions,
    private readonly subjects: TokenSubjects,
    // The service kit's, where the app mounts it (every service does; a bare test module may not).
    @Optional() private readonly tracing?: ServiceTracing,
  ) {
    this.strategy = new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        // passport-jwt hands the key to jsonwebtoken as it is; its types only name strings and Buffers.
        secretOrKey: secretKey(options) as unknown as string,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        ignoreExpiration: false,
      },
      // The token's expiry goes along as passport's `info`, to bound how long its verification is remembered.
      (payload: unknown, done: VerifiedCallback) => {
        const verified = verifiedClaims(payload, options.ttl);
        if (typeof verified === 'string') done(null, false, verified);
        else done(null, verified, expiryOf(payload));
      },
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const outcome = this.tracing
      ? await this.tracing.step('auth.validate', currentSpan(), () => this.authenticate(req))
      : await this.authenticate(req);
    if ('problem' in outcome) {
      throw new UnauthorizedException(
        `a valid access token is required${outcome.problem ? `: ${outcome.problem}` : ''}`,
      );
    }
    req.user = outcome.actor;
    return true;
  }

  /**
   * The actor of a request's bearer token, or why there is none; for code that runs before Nest's guards
   * (the proxy's hot path, rate limiting, WebSocket upgrades).
   */
  authenticate(req: IncomingMessage): Promise<{ actor: Actor } | { problem: string }> {
    // Rate limiting and the route's guard both ask about one request: its token is verified once.
    let outcome = this.outcomes.get(req);
    if (outcome === undefined) {
      outcome = this.verify(req);
      this.outcomes.set(req, outcome);
    }
    return outcome;
  }

  private async verify(req: IncomingMessage): Promise<{ actor: Actor } | { problem: string }> {
    const token = this.bearerOf(req);
    const verified =
      (token === null ? undefined : this.verified.get(token)) ?? (await this.check(req, token));
    if ('problem' in verified) return verified;
    const problem = subjectProblem(
      verified.actor,
      verified.generation,
      await this.subjects.current(verified.actor.id),
    );
    return problem === undefined ? { actor: verified.actor } : { problem };
  }

  /** Signature, issuer, audience, expiry and claims, by passport-jwt; remembered until the token expires. */
  private check(req: IncomingMessage, token: string | null): Promise<VerifiedToken | { problem: string }> {
    return new Promise((resolve, reject) => {
      // Passport's own way of running a strategy: a per-request object carrying the outcome callbacks.
      const attempt = Object.create(this.strategy) as JwtStrategy & StrategyOutcome;
      attempt.success = (verified: VerifiedToken, expiresAt?: unknown) => {
        const ttl =
          typeof expiresAt === 'number' ? Math.min(expiresAt - Date.now(), VERIFIED_TOKEN_TTL_MS) : 0;
        if (token !== null && ttl > 0) this.verified.set(token, verified, { ttl });
        resolve(verified);
      };
      attempt.fail = (challenge?: unknown) =>
        resolve({
          problem:
            challenge instanceof Error ? challenge.message : typeof challenge === 'string' ? challenge : '',
        });
      attempt.error = (error: Error) => reject(error);
      attempt.authenticate(req as never, {});
    });
  }
}

interface StrategyOutcome {
  success(verified: VerifiedToken, info?: unknown): void;
  fail(challenge?: unknown): void;
  error(error: Error): void;
}

/** Issuing and verifying access tokens, for a module that also provides TokenSubjects. */
export function accessTokenProviders(options: AccessTokenOptions): Provider[] {
  return [{ provide: ACCESS_TOKEN_OPTIONS, useValue: options }, AccessTokenIssuer, AccessTokenGuard];
}

/**
 * What a module that uses AccessTokenGuard needs exported to it: a guard named in @UseGuards is built in the
 * using module, which needs its options and TokenSubjects.
 */
export const ACCESS_TOKEN_EXPORTS = [
  AccessTokenIssuer,
  AccessTokenGuard,
  ACCESS_TOKEN_OPTIONS,
  TokenSubjects,
];

/**
 * Issuing and verifying access tokens without IAM's database: the gateway mounts it when IAM runs elsewhere,
 * with `subjects` asking that IAM (IAM itself provides the database's answer in IamModule).
 */
@Module({})
export class AccessTokenModule {
  static forRoot(options: AccessTokenOptions, subjects: Provider<TokenSubjects>): DynamicModule {
    return {
      module: AccessTokenModule,
      providers: [...accessTokenProviders(options), subjects],
      exports: ACCESS_TOKEN_EXPORTS,
    };
  }
}
