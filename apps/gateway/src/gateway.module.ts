import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { ServiceKitModule } from '@webstream/service-kit';
import { BackendAuthModule } from './backend-auth/backend-auth.module';
import { GatewayHealthController } from './health/gateway-health.controller';
import { IamClientModule } from './iam-client/iam-client.module';
import { GatewayStateModule } from './state/gateway-state.module';

@Module({})
export class GatewayModule {
  static forRoot(config: WebstreamConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ServiceKitModule.forRoot({ service: 'gateway', config }),
        GatewayStateModule.forRoot(config),
        BackendAuthModule.forRoot(config),
        IamClientModule.forRoot(config),
      ],
      controllers: [GatewayHealthController],
    };
  }
}
