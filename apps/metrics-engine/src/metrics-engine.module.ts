import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { requiredSetting, ServiceKitModule } from '@webstream/service-kit';
import { METRICS_DATABASE_URL, MetricsDatabase } from './database/metrics-database';

/** Central telemetry: ingestion, audit, usage, operations and reports arrive with their issue. */
@Module({})
export class MetricsEngineModule {
  static forRoot(config: WebstreamConfig): DynamicModule {
    const databaseUrl = requiredSetting(
      config.metricsEngine.databaseUrl,
      'metricsEngine.databaseUrl',
      'the metrics engine keeps its data in PostgreSQL',
    );
    return {
      module: MetricsEngineModule,
      imports: [ServiceKitModule.forRoot({ service: 'metrics-engine', config })],
      providers: [{ provide: METRICS_DATABASE_URL, useValue: databaseUrl }, MetricsDatabase],
    };
  }
}
