import { runService } from '@webstream/service-kit';
import { IamHostModule } from './iam-host.module';

void runService({
  service: 'iam',
  module: (config) => IamHostModule.forRoot(config),
  listen: (config) => ({
    port: config.accessManagement.port,
    host: config.accessManagement.publicIP,
    portKey: 'accessManagement.port',
  }),
});
