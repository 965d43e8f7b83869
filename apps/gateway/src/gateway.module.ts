import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { IamModule } from '@webstream/iam';
import { requiredSetting, ServiceKitModule } from '@webstream/service-kit';
import { GatewayHealthController } from './health/gateway-health.controller';

@Module({})
export class GatewayModule {
  static forRoot(config: WebstreamConfig): DynamicModule {
    const builtinIam =
      config.accessManagement.mode === 'builtin'
        ? [
            IamModule.forRoot({
              databaseUrl: requiredSetting(
                config.accessManagement.databaseUrl,
                'accessManagement.databaseUrl',
                'the built-in IAM (accessManagement.mode = builtin) keeps its data in PostgreSQL',
              ),
            }),
          ]
        : [];
    return {
      module: GatewayModule,
      imports: [ServiceKitModule.forRoot({ service: 'gateway', config }), ...builtinIam],
      controllers: [GatewayHealthController],
    };
  }
}
