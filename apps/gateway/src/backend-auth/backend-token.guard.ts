import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';

/** The header session hosts and streamers authenticate with; a browser's JWT is no substitute. */
export const BACKEND_TOKEN_HEADER = 'x-backend-token';
export const BACKEND_TOKEN = Symbol('BACKEND_TOKEN');

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * The internal endpoints (register, heartbeat, unregister, licence check-in and check-out) require
 * gateway.backend.token, compared in constant time (both sides hashed, so lengths never differ).
 */
@Injectable()
export class BackendTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(BACKEND_TOKEN) token: string) {
    this.expected = digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    const presented = context.switchToHttp().getRequest<Request>().headers[BACKEND_TOKEN_HEADER];
    if (typeof presented !== 'string' || !timingSafeEqual(digest(presented), this.expected)) {
      throw new UnauthorizedException(`${BACKEND_TOKEN_HEADER} must carry gateway.backend.token`);
    }
    return true;
  }
}
