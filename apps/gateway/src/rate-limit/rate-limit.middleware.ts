import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { RateLimiter } from './rate-limiter';

/**
 * Applies the rate limits to every request it sees, mapping the path to its group itself (unmapped paths
 * pass untouched), so it can be applied to all routes: headers on every answer of a limited route, 429
 * with them when refused.
 */
@Injectable()
export class RateLimitMiddleware implements NestMiddleware<Request, Response> {
  constructor(private readonly limiter: RateLimiter) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    let proceed: boolean;
    try {
      proceed = await this.limiter.limitRequest(req, res);
    } catch (error) {
      next(error);
      return;
    }
    if (proceed) next();
  }
}
