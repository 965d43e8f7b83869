import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { METRICS_ENGINE_TAGS, serviceEndpoints } from '@webstream/contracts';
import { requiredSetting, ServiceAuthModule, ServiceKitModule } from '@webstream/service-kit';
import { AuditController } from './audit/audit.controller';
import { AuditRepository } from './audit/audit.repository';
import { IngestPool } from './database/ingest-pool';
import { METRICS_DATABASE_URL, MetricsDatabase } from './database/metrics-database';
import { IngestController } from './ingest/ingest.controller';
import { IngestRepository } from './ingest/ingest.repository';
import { IngestService } from './ingest/ingest.service';
import { OperationsController } from './operations/operations.controller';
import { OperationsRepository } from './operations/operations.repository';
import { OperationsService } from './operations/operations.service';
import { ReportsService } from './reports/reports.service';
import { AuditService } from './audit/audit.service';
import { ReportsController } from './reports/reports.controller';
import { ReportsRepository } from './reports/reports.repository';
import { RetentionController } from './retention/retention.controller';
import { RetentionRepository } from './retention/retention.repository';
import { RetentionService } from './retention/retention.service';
import { RETENTION_SETTINGS } from './retention/retention.settings';

/** Central telemetry: ingestion, audit, usage metering, operations and reports under /api. */
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
      imports: [
        ServiceAuthModule.forRoot(config, 'callers of /api/* authenticate with it'),
        ServiceKitModule.forRoot({
          service: 'metrics-engine',
          config,
          openApi: {
            title: 'WebStream metrics engine',
            description:
              'Telemetry ingestion from every service, live operations views, usage and metric reports and the ' +
              "audit log. Services present the engine's service token; operators reach /api/* through the " +
              "gateway's MCP proxy (/mcp/api/*).",
            endpoints: serviceEndpoints['metrics-engine'],
            tags: METRICS_ENGINE_TAGS,
            servers: [
              { url: '/', description: 'The metrics engine (metricsEngine.httpPort, 9009 by default)' },
            ],
          },
        }),
      ],
      controllers: [
        IngestController,
        OperationsController,
        ReportsController,
        AuditController,
        RetentionController,
      ],
      providers: [
        { provide: METRICS_DATABASE_URL, useValue: databaseUrl },
        { provide: RETENTION_SETTINGS, useValue: config.metricsEngine.retention },
        MetricsDatabase,
        IngestPool,
        IngestRepository,
        IngestService,
        OperationsRepository,
        OperationsService,
        ReportsRepository,
        ReportsService,
        AuditRepository,
        AuditService,
        RetentionRepository,
        RetentionService,
      ],
    };
  }
}
