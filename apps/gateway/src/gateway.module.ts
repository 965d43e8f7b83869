import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { ServiceKitModule } from '@webstream/service-kit';
import { AdminController } from './admin/admin.controller';
import { BackendAuthModule } from './backend-auth/backend-auth.module';
import { BackendsModule } from './backends/backends.module';
import { DataPlaneModule } from './data-plane/data-plane.module';
import { GatewayHealthController } from './health/gateway-health.controller';
import { IamClientModule } from './iam-client/iam-client.module';
import { LicenceModule } from './licence/licence.module';
import { SessionsModule } from './sessions/sessions.module';
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
        BackendsModule,
        LicenceModule,
        SessionsModule,
        DataPlaneModule,
      ],
      controllers: [GatewayHealthController, AdminController],
    };
  }
}
