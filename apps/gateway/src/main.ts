import { runService } from '@webstream/service-kit';
import { GatewayModule } from './gateway.module';

void runService({
  service: 'gateway',
  module: (config) => GatewayModule.forRoot(config),
  listen: (config) => ({ port: config.gateway.port, host: config.gateway.publicIP, portKey: 'gateway.port' }),
});
