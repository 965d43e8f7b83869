import { type INestApplication, type Type, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, loadConfig, type WebstreamConfig } from '@webstream/config';
import { type Registry } from 'prom-client';
import { HealthRegistry } from './health/health.registry';
import { correlationMiddleware } from './logging/correlation';
import { createServiceLogger } from './logging/logging';
import { ServiceLogger } from './logging/service-logger';
import { httpMetricsMiddleware, METRICS_REGISTRY } from './metrics/metrics';

const SHUTDOWN_GRACE_MS = 25_000;

export interface ServiceAppOptions {
  /** Largest JSON body accepted (Express's default is 100 kB), e.g. '8mb' for telemetry batches. */
  jsonBodyLimit?: string;
}

/** Creates a Nest app with the kit's middleware, logger and graceful shutdown, not yet listening. */
export async function createServiceApp(
  module: Type | DynamicModule,
  options: ServiceAppOptions = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bufferLogs: true,
    abortOnError: false,
  });
  if (options.jsonBodyLimit) app.useBodyParser('json', { limit: options.jsonBodyLimit });
  app.useLogger(app.get(ServiceLogger));
  app.use(correlationMiddleware);
  app.use(httpMetricsMiddleware(app.get<Registry>(METRICS_REGISTRY)));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return app;
}

export interface ServiceDefinition extends ServiceAppOptions {
  service: string;
  module(config: WebstreamConfig): Type | DynamicModule;
  listen(config: WebstreamConfig): { port: number; host: string; portKey: string };
}

function fatal(service: string, message: string, detail: Record<string, unknown> = {}): never {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service, msg: message, ...detail })}\n`,
  );
  process.exit(1);
}

/**
 * The whole life of a service process: read and validate the config once, start, listen, and on
 * failure exit non-zero with a message that names the config key at fault.
 */
export async function runService(definition: ServiceDefinition): Promise<void> {
  const { service } = definition;
  let config: WebstreamConfig;
  let warnings: string[];
  try {
    ({ config, warnings } = loadConfig({
      argv: process.argv.slice(2),
      env: process.env,
      cwd: process.cwd(),
    }));
  } catch (error) {
    if (error instanceof ConfigError) fatal(service, error.message, { issues: error.issues });
    throw error;
  }
  const logger = createServiceLogger(service, config);
  for (const warning of warnings) logger.warn({ configWarning: true }, warning);

  const { port, host, portKey } = definition.listen(config);
  let app: INestApplication;
  try {
    app = await createServiceApp(definition.module(config), definition);
  } catch (error) {
    fatal(service, `start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    await app.listen(port, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fatal(service, `${portKey} ${port} is already in use on ${host}`);
    if (code === 'EACCES') fatal(service, `${portKey} ${port} needs privileges this process does not have`);
    if (code === 'EADDRNOTAVAIL')
      fatal(service, `cannot bind ${host}:${port}: the address is not on this machine`);
    throw error;
  }
  const health = app.get(HealthRegistry);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // Readiness drops at once, so load balancers stop routing here while the hooks drain.
      health.markDraining();
      setTimeout(
        () => fatal(service, `did not stop within ${SHUTDOWN_GRACE_MS} ms of ${signal}`),
        SHUTDOWN_GRACE_MS,
      ).unref();
    });
  }
  health.markStarted();
  logger.info({ port, host }, `${service} listening`);
}
