import { Injectable } from '@nestjs/common';
import { type TokenSubject } from '@webstream/contracts';
import { LRUCache } from 'lru-cache';
import { IamChanges } from '../changes/iam-changes';
import { UsersRepository } from '../users/users.repository';
import { apiRole } from '../users/user-mapper';
import { TokenSubjects } from './access-token';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CACHED = 100_000;
/** Bounds a missed notification; while IAM listens, a change reaches the cache as soon as it is notified. */
const CACHED_MS = 60_000;

interface Cached {
  generation: number;
  subject: TokenSubject | null;
}

/**
 * Token subjects from IAM's database, cached like entitlements: every change a token depends on (a user
 * disabled, deleted, given a role or revoked) moves IamChanges' generation, here at once and in other
 * instances through PostgreSQL NOTIFY, so a cached answer is never older than a notification.
 */
@Injectable()
export class DatabaseTokenSubjects extends TokenSubjects {
  private readonly cache = new LRUCache<string, Cached>({ max: MAX_CACHED, ttl: CACHED_MS });
  private readonly inFlight = new Map<string, Promise<TokenSubject | null>>();

  constructor(
    private readonly users: UsersRepository,
    private readonly changes: IamChanges,
  ) {
    super();
  }

  async current(userId: string): Promise<TokenSubject | null> {
    const generation = this.changes.generation;
    const useCache = this.changes.listening;
    if (useCache) {
      const hit = this.cache.get(userId);
      if (hit !== undefined && hit.generation === generation) return hit.subject;
    }
    const flight = `${generation} ${userId}`;
    let pending = this.inFlight.get(flight);
    if (pending === undefined) {
      pending = this.load(userId).finally(() => this.inFlight.delete(flight));
      this.inFlight.set(flight, pending);
    }
    const subject = await pending;
    // Under the generation it was read at: a change that landed meanwhile has already made it stale.
    if (useCache) this.cache.set(userId, { generation, subject });
    return subject;
  }

  /** Several at once, for gateways that ask over HTTP. */
  async currentOf(userIds: readonly string[]): Promise<Record<string, TokenSubject | null>> {
    const entries = await Promise.all(userIds.map(async (id) => [id, await this.current(id)] as const));
    return Object.fromEntries(entries);
  }

  private async load(userId: string): Promise<TokenSubject | null> {
    if (!UUID.test(userId)) return null;
    const user = await this.users.findById(userId);
    if (user === null) return null;
    return {
      orgId: user.orgId,
      role: apiRole(user.role),
      disabled: user.disabled,
      tokenGeneration: user.tokenGeneration,
    };
  }
}

/** Revokes every access token a user holds: their generation moves, and every instance hears of it. */
@Injectable()
export class AccessTokenRevocation {
  constructor(
    private readonly users: UsersRepository,
    private readonly changes: IamChanges,
  ) {}

  async revokeAllOf(userId: string): Promise<void> {
    await this.users.bumpTokenGeneration(userId);
    await this.changes.changed();
  }
}
