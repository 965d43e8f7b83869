import { runService } from '@webstream/service-kit';
import { StreamerAgentModule } from './streamer-agent.module';

void runService({
  service: 'streamer-agent',
  module: (config) => StreamerAgentModule.forRoot(config),
  listen: (config) => ({
    port: config.streamer.basePort,
    host: config.sessionHost.publicIP,
    portKey: 'streamer.basePort',
  }),
});
