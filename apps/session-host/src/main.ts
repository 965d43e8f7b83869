import { runService } from '@webstream/service-kit';
import { SessionHostModule } from './session-host.module';

void runService({
  service: 'session-host',
  module: (config) => SessionHostModule.forRoot(config),
  listen: (config) => ({
    port: config.sessionHost.port,
    host: config.sessionHost.publicIP,
    portKey: 'sessionHost.port',
  }),
});
