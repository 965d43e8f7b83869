import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  type LoginRequest,
  loginRequestSchema,
  loginRoute,
  type LogoutRequest,
  logoutRequestSchema,
  type LogoutResponse,
  logoutRoute,
  type RefreshRequest,
  refreshRequestSchema,
  refreshRoute,
  type TokenResponse,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import type { Request, Response } from 'express';
import { AuthService } from './auth.service';
import { LoginThrottledException } from './login-throttle';

@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post(loginRoute.path)
  @HttpCode(200)
  async login(
    @Body(new ZodValidationPipe(loginRequestSchema)) body: LoginRequest,
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

  @Post(refreshRoute.path)
  @HttpCode(200)
  refresh(
    @Body(new ZodValidationPipe(refreshRequestSchema)) body: RefreshRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TokenResponse> {
    res.setHeader('Cache-Control', 'no-store');
    return this.auth.refresh(body.refreshToken);
  }

  @Post(logoutRoute.path)
  @HttpCode(200)
  async logout(
    @Body(new ZodValidationPipe(logoutRequestSchema)) body: LogoutRequest,
  ): Promise<LogoutResponse> {
    await this.auth.logout(body.refreshToken);
    return { success: true };
  }
}
