import { runService } from '@webstream/service-kit';
import { SessionHostModule } from './session-host.module';
import { AFTER_DRAIN_SECONDS } from './sessions/session-supervisor';

void runService({
  service: 'session-host',
  module: (config) => SessionHostModule.forRoot(config),
  listen: (config) => ({
    port: config.sessionHost.port,
    host: config.sessionHost.publicIP,
    portKey: 'sessionHost.port',
  }),
  // The sessions get their drain, and the host still unregisters after it.
  shutdownGraceSeconds: (config) => config.sessionHost.drainTimeout + AFTER_DRAIN_SECONDS,
});
