import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { type WebstreamConfig } from '@webstream/config';
import { API_VERSION } from '@webstream/contracts';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { WebstreamConfigModule } from './config/config.module';
import { ErrorEnvelopeFilter } from './errors/error-envelope.filter';
import { KnownErrors } from './errors/known-errors';
import { HealthModule } from './health/health.module';
import { loggerModuleParams } from './logging/logging';
import { ServiceLogger } from './logging/service-logger';
import { MetricsModule } from './metrics/metrics';
import { openApiDocument, type OpenApiDocumentOptions } from './openapi/openapi-document';
import { OpenApiModule } from './openapi/openapi.module';
import { ServiceTracing } from './tracing/service-tracing';

export interface ServiceKitOptions {
  /** The service's name in logs and metrics: gateway, session-host, streamer-agent, metrics-engine, iam. */
  service: string;
  config: WebstreamConfig;
  /** Its OpenAPI document, served at /openapi.json and /openapi.yaml: serviceEndpoints[service] of the contracts. */
  openApi?: Omit<OpenApiDocumentOptions, 'version'>;
}

/** What every WebStream app mounts: config, JSON logs, the error envelope, health and metrics. */
@Module({})
export class ServiceKitModule implements OnApplicationShutdown {
  constructor(private readonly logger: PinoLogger) {}

  onApplicationShutdown(signal?: string): void {
    this.logger.info({ signal }, 'stopped');
  }

  static forRoot(options: ServiceKitOptions): DynamicModule {
    const openApi = options.openApi;
    return {
      module: ServiceKitModule,
      // What every feature module of the app uses (the logger, the tracing): no feature imports the kit again.
      global: true,
      imports: [
        WebstreamConfigModule.forRoot(options.config),
        LoggerModule.forRoot(loggerModuleParams(options.service, options.config)),
        HealthModule,
        MetricsModule.forRoot(options.service),
        ...(openApi
          ? [OpenApiModule.serve(() => openApiDocument({ ...openApi, version: API_VERSION }))]
          : []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: ErrorEnvelopeFilter },
        ServiceLogger,
        KnownErrors,
        { provide: ServiceTracing, useFactory: () => new ServiceTracing(options.service, options.config) },
      ],
      exports: [ServiceLogger, ServiceTracing, KnownErrors],
    };
  }
}
