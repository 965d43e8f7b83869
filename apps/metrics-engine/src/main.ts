import { telemetryIngestRoute } from '@webstream/contracts';
import { runService } from '@webstream/service-kit';
import { MetricsEngineModule } from './metrics-engine.module';

void runService({
  service: 'metrics-engine',
  // Up to requestBodies.telemetryMaxBytes there; every other route takes requestBodies.defaultMaxBytes.
  telemetryRoutes: [telemetryIngestRoute.path],
  module: (config) => MetricsEngineModule.forRoot(config),
  listen: (config) => ({
    port: config.metricsEngine.httpPort,
    host: config.metricsEngine.publicIP,
    portKey: 'metricsEngine.httpPort',
  }),
});
