import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { serviceEndpoints } from '@webstream/contracts';
import { IAM_DESCRIPTION, IAM_TAGS, IAM_TITLE, IamModule } from '@webstream/iam';
import { ServiceKitModule } from '@webstream/service-kit';

/** IAM on its own (webstream -am): the same module the gateway mounts in builtin mode. */
@Module({})
export class IamHostModule {
  static forRoot(config: WebstreamConfig): DynamicModule {
    return {
      module: IamHostModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'iam',
          config,
          openApi: {
            title: IAM_TITLE,
            description: IAM_DESCRIPTION,
            endpoints: serviceEndpoints.iam,
            tags: IAM_TAGS,
            servers: [{ url: '/', description: 'IAM (accessManagement.port, 8090 by default)' }],
          },
        }),
        IamModule.forRoot(config, 'IAM (-am)'),
      ],
    };
  }
}
