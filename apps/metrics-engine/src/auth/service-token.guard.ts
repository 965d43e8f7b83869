import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { SERVICE_TOKEN_SCHEME } from '@webstream/contracts';
import type { Request } from 'express';

export const SERVICE_TOKEN = Symbol('SERVICE_TOKEN');

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** /api/* is for services holding the configured credential; compared in constant time. */
@Injectable()
export class ServiceTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(SERVICE_TOKEN) token: string) {
    this.expected = digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const [scheme, token] = header.split(' ', 2);
    if (scheme !== SERVICE_TOKEN_SCHEME || !token || !timingSafeEqual(digest(token), this.expected)) {
      throw new UnauthorizedException('a valid service credential (Authorization: Bearer) is required');
    }
    return true;
  }
}
