import { Module } from '@nestjs/common';
import { RateLimiter } from './rate-limiter';

/**
 * The gateway's rate limits. Needs the config, the metrics registry and the logger (ServiceKitModule),
 * the Redis connection (GatewayStateModule) and AccessTokenGuard (IamClientModule), all global. Apply
 * RateLimitMiddleware to every route; the raw server's /getConnection and the WebSocket upgrades call
 * RateLimiter.limitRequest / limitUpgrade themselves.
 */
@Module({
  providers: [RateLimiter],
  exports: [RateLimiter],
})
export class RateLimitModule {}
