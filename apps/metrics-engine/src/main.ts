import { runService } from '@webstream/service-kit';
import { MetricsEngineModule } from './metrics-engine.module';

void runService({
  service: 'metrics-engine',
  module: (config) => MetricsEngineModule.forRoot(config),
  listen: (config) => ({
    port: config.metricsEngine.httpPort,
    host: config.metricsEngine.publicIP,
    portKey: 'metricsEngine.httpPort',
  }),
});
