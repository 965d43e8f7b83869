import { runService } from '@webstream/service-kit';
import { DataPlane } from './data-plane/data-plane';
import { GatewayModule } from './gateway.module';
import { startGatewayServers } from './tls/gateway-servers';

void runService({
  service: 'gateway',
  module: (config) => GatewayModule.forRoot(config),
  listen: (config) => ({ port: config.gateway.port, host: config.gateway.publicIP, portKey: 'gateway.port' }),
  // HTTPS beside the plain HTTP listener, both with the data plane ahead of Express.
  servers: (app, config) => startGatewayServers(app, config, (server) => app.get(DataPlane).attach(server)),
});
