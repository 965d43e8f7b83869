import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { BackendAuthModule, requiredSetting, ServiceKitModule } from '@webstream/service-kit';
import { AdminController } from './admin/admin.controller';
import { AdminMetricsController } from './admin/admin-metrics.controller';
import { WebClientModule } from './web-client/web-client.module';
import { BackendsModule } from './backends/backends.module';
import { DataPlaneModule } from './data-plane/data-plane.module';
import { DownstreamHealthModule } from './downstream-health/downstream-health.module';
import { GatewayHealthProbe } from './health/gateway-health.probe';
import { IamClientModule } from './iam-client/iam-client.module';
import { LicenceModule } from './licence/licence.module';
import { McpModule } from './mcp/mcp.module';
import { ObservabilityModule } from './observability/observability.module';
import { GatewayOpenApiModule } from './openapi/gateway-openapi.module';
import { PriorityModule } from './priority/priority.module';
import { RateLimitMiddleware } from './rate-limit/rate-limit.middleware';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { SessionsModule } from './sessions/sessions.module';
import { GatewayStateModule } from './state/gateway-state.module';
import { TelemetryModule } from './telemetry/telemetry.module';

@Module({})
export class GatewayModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Every Express route; the data plane's own requests and upgrades are limited in the data plane.
    consumer.apply(RateLimitMiddleware).forRoutes('*');
  }

  static forRoot(config: WebstreamConfig): DynamicModule {
    if (config.gateway.topology === 'redirect') {
      requiredSetting(
        config.gateway.publicUrl,
        'gateway.publicUrl',
        'in the redirect topology each gateway is reached at its own public URL, which the session host beside it names as sessionHost.publicGatewayUrl',
      );
    }
    return {
      module: GatewayModule,
      imports: [
        ServiceKitModule.forRoot({ service: 'gateway', config }),
        GatewayStateModule.forRoot(config),
        BackendAuthModule.forRoot(
          config,
          'session hosts and streamers authenticate with it when they register and check in',
        ),
        IamClientModule.forRoot(config),
        ObservabilityModule,
        PriorityModule,
        TelemetryModule,
        McpModule,
        GatewayOpenApiModule,
        BackendsModule,
        DownstreamHealthModule,
        LicenceModule,
        SessionsModule,
        DataPlaneModule,
        RateLimitModule,
        // Its middleware answers only the client's pages and existing files; everything else goes on to the routes.
        WebClientModule,
      ],
      controllers: [AdminController, AdminMetricsController],
      providers: [GatewayHealthProbe],
    };
  }
}
