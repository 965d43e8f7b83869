import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { ServiceKitModule } from '@webstream/service-kit';

/** One streamer per session: capture, input, audio, policy and licence check-in arrive with their issue. */
@Module({})
export class StreamerAgentModule {
  static forRoot(config: WebstreamConfig): DynamicModule {
    return {
      module: StreamerAgentModule,
      imports: [ServiceKitModule.forRoot({ service: 'streamer-agent', config })],
    };
  }
}
