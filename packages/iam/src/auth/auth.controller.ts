import { Body, Controller, Req, Res } from '@nestjs/common';
import {
  type LoginRequest,
  loginRoute,
  type LogoutRequest,
  type LogoutResponse,
  logoutRoute,
  type RefreshRequest,
  refreshRoute,
  type TokenResponse,
} from '@webstream/contracts';
import { Endpoint } from '@webstream/service-kit';
import type { Request, Response } from 'express';
import { SsoService } from '../sso/sso.service';
import { AuthService } from './auth.service';
import { LoginThrottledException } from './login-throttle';

@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sso: SsoService,
  ) {}

  @Endpoint(loginRoute)
  async login(
    @Body() body: LoginRequest,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TokenResponse> {
    res.setHeader('Cache-Control', 'no-store');
    try {
      return await this.auth.login(body, req.ip ?? req.socket.remoteAddress ?? 'unknown');
    } catch (error) {
      if (error instanceof LoginThrottledException)
        res.setHeader('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
  }

  @Endpoint(refreshRoute)
  refresh(@Body() body: RefreshRequest, @Res({ passthrough: true }) res: Response): Promise<TokenResponse> {
    res.setHeader('Cache-Control', 'no-store');
    return this.auth.refresh(body.refreshToken);
  }

  @Endpoint(logoutRoute)
  async logout(@Body() body: LogoutRequest): Promise<LogoutResponse> {
    const ended = await this.auth.logout(body.refreshToken);
    const providerLogoutUrl = ended === null ? undefined : await this.sso.providerLogoutUrl(ended.familyId);
    return { success: true, ...(providerLogoutUrl === undefined ? {} : { providerLogoutUrl }) };
  }
}
