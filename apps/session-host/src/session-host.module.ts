import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { ServiceKitModule } from '@webstream/service-kit';

/** The session host: registration, heartbeat and the session pool arrive with their issue. */
@Module({})
export class SessionHostModule {
  static forRoot(config: WebstreamConfig): DynamicModule {
    return {
      module: SessionHostModule,
      imports: [ServiceKitModule.forRoot({ service: 'session-host', config })],
    };
  }
}
