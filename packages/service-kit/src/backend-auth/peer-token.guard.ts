import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { BACKEND_TOKEN_HEADER, SERVICE_TOKEN_SCHEME } from '@webstream/contracts';
import type { Request } from 'express';
import { HeaderSecret } from './header-secret';

export const BACKEND_TOKEN = Symbol('BACKEND_TOKEN');
export const SERVICE_TOKEN = Symbol('SERVICE_TOKEN');

/** gateway.backend.token: what the internal endpoints of the gateway and session hosts require. */
@Injectable()
export class BackendToken extends HeaderSecret {
  constructor(@Inject(BACKEND_TOKEN) token: string) {
    super(BACKEND_TOKEN_HEADER, token);
  }
}

/** metricsEngine.serviceToken: what the metrics engine's /api/* requires, as Authorization: Bearer. */
@Injectable()
export class ServiceToken extends HeaderSecret {
  constructor(@Inject(SERVICE_TOKEN) token: string) {
    super('authorization', `${SERVICE_TOKEN_SCHEME} ${token}`);
  }
}

/** Lets a request through only when it carries `secret`; a browser's JWT is no substitute. */
abstract class HeaderSecretGuard implements CanActivate {
  protected constructor(
    private readonly secret: HeaderSecret,
    private readonly refusal: string,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.secret.presentIn(context.switchToHttp().getRequest<Request>().headers)) {
      throw new UnauthorizedException(this.refusal);
    }
    return true;
  }
}

/** Only a peer service holding gateway.backend.token passes. */
@Injectable()
export class BackendTokenGuard extends HeaderSecretGuard {
  constructor(token: BackendToken) {
    super(token, `${BACKEND_TOKEN_HEADER} must carry gateway.backend.token`);
  }
}

/** Only a service holding metricsEngine.serviceToken passes. */
@Injectable()
export class ServiceTokenGuard extends HeaderSecretGuard {
  constructor(token: ServiceToken) {
    super(token, 'a valid service credential (Authorization: Bearer) is required');
  }
}
