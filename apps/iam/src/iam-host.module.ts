import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { IamModule } from '@webstream/iam';
import { ServiceKitModule } from '@webstream/service-kit';

/** IAM on its own (webstream -am): the same module the gateway mounts in builtin mode. */
@Module({})
export class IamHostModule {
  static forRoot(config: WebstreamConfig): DynamicModule {
    return {
      module: IamHostModule,
      imports: [ServiceKitModule.forRoot({ service: 'iam', config }), IamModule.forRoot(config, 'IAM (-am)')],
    };
  }
}
