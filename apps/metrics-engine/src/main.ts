import { runService } from '@webstream/service-kit';
import { MetricsEngineModule } from './metrics-engine.module';

void runService({
  service: 'metrics-engine',
  // A full telemetry batch (5,000 events) is a few MB of JSON.
  jsonBodyLimit: '16mb',
  module: (config) => MetricsEngineModule.forRoot(config),
  listen: (config) => ({
    port: config.metricsEngine.httpPort,
    host: config.metricsEngine.publicIP,
    portKey: 'metricsEngine.httpPort',
  }),
});
