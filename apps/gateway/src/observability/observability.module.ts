import { Global, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { GatewayMetrics } from './gateway-metrics';
import { GatewayMetricsMiddleware } from './gateway-metrics.middleware';

/**
 * Seed 002's gateway metrics. Global, so the data plane can inject GatewayMetrics anywhere; it applies its own
 * request middleware to every path, so importing the module is all the wiring it needs.
 */
@Global()
@Module({
  providers: [GatewayMetrics, GatewayMetricsMiddleware],
  exports: [GatewayMetrics],
})
export class ObservabilityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(GatewayMetricsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
