import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { BACKEND_TOKEN_HEADER } from '@webstream/contracts';
import type { Request } from 'express';
import { HeaderSecret } from './header-secret';

export const BACKEND_TOKEN = Symbol('BACKEND_TOKEN');

/** gateway.backend.token: what the internal endpoints of the gateway and session hosts require. */
@Injectable()
export class BackendToken extends HeaderSecret {
  constructor(@Inject(BACKEND_TOKEN) token: string) {
    super(BACKEND_TOKEN_HEADER, token);
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
