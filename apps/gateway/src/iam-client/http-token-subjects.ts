import { ServiceUnavailableException } from '@nestjs/common';
import {
  BACKEND_TOKEN_HEADER,
  type TokenSubject,
  TOKEN_SUBJECTS_MAX,
  tokenSubjectsRoute,
} from '@webstream/contracts';
import { TokenSubjects } from '@webstream/iam';
import { EndpointClient } from '@webstream/service-kit';
import { LRUCache } from 'lru-cache';
import { iamHttpClient } from './http-iam-client';

/**
 * How long an answer of IAM's is used: the most a revocation waits before this gateway honours it, and the
 * least time between two questions about one user.
 */
export const TOKEN_SUBJECT_CACHE_MS = 1_000;
const MAX_CACHED = 100_000;

export interface HttpTokenSubjectsOptions {
  /** accessManagement.url */
  url: string;
  backendToken: string;
  timeoutMs: number;
}

interface Waiter {
  resolve: (subject: TokenSubject | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Token subjects asked of IAM over HTTP (accessManagement.mode standalone or external), for a second at a
 * time; the users asked about in one turn of the event loop go in one request. IAM unreachable: the token is
 * not honoured (503), rather than honoured unchecked.
 */
export class HttpTokenSubjects extends TokenSubjects {
  private readonly iam: EndpointClient;
  private readonly cache = new LRUCache<string, { subject: TokenSubject | null }>({
    max: MAX_CACHED,
    ttl: TOKEN_SUBJECT_CACHE_MS,
  });
  private pending = new Map<string, Waiter[]>();
  private scheduled = false;

  constructor(private readonly options: HttpTokenSubjectsOptions) {
    super();
    this.iam = new EndpointClient(iamHttpClient(options.url, options.timeoutMs));
  }

  current(userId: string): Promise<TokenSubject | null> {
    const hit = this.cache.get(userId);
    if (hit !== undefined) return Promise.resolve(hit.subject);
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(userId) ?? [];
      waiters.push({ resolve, reject });
      this.pending.set(userId, waiters);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    const ids = [...batch.keys()];
    for (let start = 0; start < ids.length; start += TOKEN_SUBJECTS_MAX) {
      const chunk = ids.slice(start, start + TOKEN_SUBJECTS_MAX);
      try {
        const subjects = await this.ask(chunk);
        for (const id of chunk) {
          const subject = subjects[id] ?? null;
          this.cache.set(id, { subject });
          for (const waiter of batch.get(id) ?? []) waiter.resolve(subject);
        }
      } catch (error) {
        const refusal = new ServiceUnavailableException(
          `access management cannot confirm the token's user: ${error instanceof Error ? error.message : String(error)}`,
        );
        for (const id of chunk) for (const waiter of batch.get(id) ?? []) waiter.reject(refusal);
      }
    }
  }

  private async ask(userIds: string[]): Promise<Record<string, TokenSubject | null>> {
    const { subjects } = await this.iam.call(
      tokenSubjectsRoute,
      { body: { userIds } },
      { credentials: { [BACKEND_TOKEN_HEADER]: this.options.backendToken } },
    );
    return subjects;
  }
}
