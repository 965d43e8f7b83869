import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { BACKEND_TOKEN_HEADER } from '@webstream/contracts';
import type { Request } from 'express';

export const BACKEND_TOKEN = Symbol('BACKEND_TOKEN');

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * gateway.backend.token, compared in constant time (both sides hashed, so lengths never differ): what the
 * internal endpoints of the gateway, session hosts and streamers require.
 */
@Injectable()
export class BackendToken {
  private readonly expected: Buffer;

  constructor(@Inject(BACKEND_TOKEN) token: string) {
    this.expected = digest(token);
  }

  /** For code outside Nest's guards (a WebSocket upgrade): whether the headers carry the token. */
  presentIn(headers: Record<string, string | string[] | undefined>): boolean {
    const presented = headers[BACKEND_TOKEN_HEADER];
    return typeof presented === 'string' && timingSafeEqual(digest(presented), this.expected);
  }
}

/** A browser's JWT is no substitute: only a peer service holding gateway.backend.token passes. */
@Injectable()
export class BackendTokenGuard implements CanActivate {
  constructor(private readonly token: BackendToken) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.token.presentIn(context.switchToHttp().getRequest<Request>().headers)) {
      throw new UnauthorizedException(`${BACKEND_TOKEN_HEADER} must carry gateway.backend.token`);
    }
    return true;
  }
}
