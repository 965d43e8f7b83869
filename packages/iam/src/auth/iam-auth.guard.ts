import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { API_KEY_HEADER } from '@webstream/contracts';
import { ApiKeyVerifier } from '../api-keys/api-key-verifier';
import { AccessTokenGuard } from './access-token';
import { type AuthenticatedRequest } from './actor';

/** Every IAM route but login, refresh, logout and the OpenAPI document: an access token or an API key. */
@Injectable()
export class IamAuthGuard implements CanActivate {
  constructor(
    private readonly accessTokens: AccessTokenGuard,
    private readonly apiKeys: ApiKeyVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const apiKey = req.headers[API_KEY_HEADER];
    if (typeof apiKey === 'string') {
      req.user = await this.apiKeys.verify(apiKey);
      return true;
    }
    return (await this.accessTokens.canActivate(context)) === true;
  }
}
