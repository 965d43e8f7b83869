import { type Server as HttpServer } from 'node:http';
import { type Server } from 'node:net';
import { type INestApplication, type Type, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { type Request } from 'express';
import { ConfigError, EXIT_WITH_PARENT_FLAG, loadConfig, type WebstreamConfig } from '@webstream/config';
import { type Registry } from 'prom-client';
import { WEBSTREAM_CONFIG } from './config/config.module';
import { HealthRegistry } from './health/health.registry';
import { answerClientError } from './http/raw-responses';
import { requestBodies, type RequestBodyOptions } from './http/request-body';
import { securityHeaders } from './http/security-headers';
import { requestContextMiddleware } from './http/request-context';
import { ServiceTracing } from './tracing/service-tracing';
import { createServiceLogger } from './logging/logging';
import { ServiceLogger } from './logging/service-logger';
import { HttpRequestMetrics, METRICS_REGISTRY, routeLabel } from './metrics/metrics';
import { ProbeAnswers } from './health/probe-answers';

const DEFAULT_SHUTDOWN_GRACE_SECONDS = 25;
const PARENT_CHECK_MS = 1_000;
// How long a service whose start failed may take to release what it opened before the failure is shown.
const STARTUP_CLOSE_MS = 5_000;

export type ServiceAppOptions = RequestBodyOptions;

export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Creates a Nest app with the kit's middleware, logger and graceful shutdown, not yet listening. */
export async function createServiceApp(
  module: Type | DynamicModule,
  options: ServiceAppOptions = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bufferLogs: true,
    abortOnError: false,
    // requestBodies below reads every body, and answers what it cannot read in the error envelope.
    bodyParser: false,
  });
  const config = app.get<WebstreamConfig>(WEBSTREAM_CONFIG);
  app.useLogger(app.get(ServiceLogger));
  const headers = securityHeaders(config);
  const httpMetrics = new HttpRequestMetrics(app.get<Registry>(METRICS_REGISTRY));
  app.use(headers);
  app.use(requestContextMiddleware(app.get(ServiceTracing), (req) => routeLabel(req as Request)));
  app.use(requestBodies(config, options));
  const server: HttpServer = app.getHttpServer();
  server.on('clientError', answerClientError);
  const probes = app.get(ProbeAnswers);
  probes.useHeaders(headers.flatFor);
  probes.onAnswered((...observed) => httpMetrics.observe(...observed));
  probes.attach(server);
  // Idle keep-alive connections outlive a load balancer's (60 s on the common ones) and a peer's pool, so the
  // server never closes one just as the other end sends on it (which the peer sees as ECONNRESET or a 502).
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  app.use(httpMetrics.middleware());
  app.enableShutdownHooks(stopSignals());
  return app;
}

/** Where a server listens, and the config key that sets its port (named when it cannot bind). */
export interface ListenAddress {
  port: number;
  host: string;
  portKey: string;
}

export interface ServiceDefinition extends ServiceAppOptions {
  service: string;
  module(config: WebstreamConfig): Type | DynamicModule;
  listen(config: WebstreamConfig): ListenAddress;
  /**
   * Further servers that serve the same app (the gateway's HTTPS port). Runs once the app is initialised
   * (routes mounted) and before its own port opens, so it may also set up the main server
   * (`app.getHttpServer()`). Returns the servers it started listening (see `listenServer`); they are
   * closed together with the main one when the app closes. To stop start-up, throw a
   * `ServiceStartupError` whose message names the config key at fault.
   */
  servers?(app: INestApplication, config: WebstreamConfig): Promise<Server[]>;
  /** How long after SIGTERM the process may take to stop before it is ended (default 25 s). */
  shutdownGraceSeconds?(config: WebstreamConfig): number;
  /** WEBSTREAM__* overrides the process was handed other than in its environment (a streamer's launch). */
  configOverrides?: Readonly<Record<string, string>>;
}

/** A start-up failure whose message is complete (it names the config key at fault) and is shown as is. */
export class ServiceStartupError extends Error {
  override name = 'ServiceStartupError';
}

/** Started by `webstream`'s supervisor, which watches it and stops it. */
function supervised(): boolean {
  return process.argv.includes(EXIT_WITH_PARENT_FLAG);
}

/**
 * The signals that stop this service. Under the supervisor only SIGTERM: it stops its roles wave by wave
 * (session hosts first), which a Ctrl-C delivered to every process of the group at once would undo.
 */
function stopSignals(): NodeJS.Signals[] {
  return supervised() ? ['SIGTERM'] : ['SIGTERM', 'SIGINT'];
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Says why a port could not be opened, naming its config key, or returns undefined for other errors. */
export function listenFailure(error: unknown, { port, host, portKey }: ListenAddress): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return `${portKey} ${port} is already in use on ${host}`;
  if (code === 'EACCES') return `${portKey} ${port} needs privileges this process does not have`;
  if (code === 'EADDRNOTAVAIL') return `cannot bind ${host}:${port}: the address is not on this machine`;
  return undefined;
}

/** Starts a server listening; a port it cannot open rejects with a ServiceStartupError naming its key. */
export function listenServer(server: Server, address: ListenAddress): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      const message = listenFailure(error, address);
      reject(message === undefined ? error : new ServiceStartupError(message, { cause: error }));
    };
    server.once('error', failed);
    server.listen(address.port, address.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    // Resolves once every connection has ended, as Nest's own close of the main server does.
    server.close(() => resolve());
  });
}

/** Closes an app that failed to start, giving up after `ms` so the failure is still reported. */
async function closeWithin(app: INestApplication, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    app.close().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/**
 * Builds, initialises and starts a service on an already loaded config: the further servers of
 * `definition.servers` first, then the main port. Failures with a complete message (a port in use, a
 * certificate that cannot be read) reject with a ServiceStartupError. `app.close()`, which the kit's
 * SIGTERM/SIGINT hooks call, closes every server.
 */
export async function startService(
  definition: ServiceDefinition,
  config: WebstreamConfig,
): Promise<{ app: INestApplication; servers: Server[] }> {
  const address = definition.listen(config);
  let app: INestApplication;
  try {
    app = await createServiceApp(definition.module(config), definition);
  } catch (error) {
    throw new ServiceStartupError(`start-up failed: ${errorMessage(error)}`, { cause: error });
  }
  await app.init();

  let servers: Server[] = [];
  if (definition.servers) {
    try {
      servers = await definition.servers(app, config);
    } catch (error) {
      await closeWithin(app, STARTUP_CLOSE_MS);
      if (error instanceof ServiceStartupError) throw error;
      throw new ServiceStartupError(`start-up failed: ${errorMessage(error)}`, { cause: error });
    }
    for (const further of servers) app.get(ProbeAnswers).attach(further as HttpServer);
    // Nest closes its own server when the app is disposed (app.close() or a shutdown signal): the
    // further servers stop accepting at the same moment and drain alongside it.
    const adapter = app.getHttpAdapter();
    const closeMain = adapter.close.bind(adapter) as () => Promise<unknown>;
    adapter.close = async () => {
      await Promise.all([closeMain(), ...servers.map(closeServer)]);
    };
  }

  try {
    await app.listen(address.port, address.host);
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    const message = listenFailure(error, address);
    if (message !== undefined) throw new ServiceStartupError(message, { cause: error });
    throw error;
  }
  return { app, servers };
}

function fatal(service: string, message: string, detail: Record<string, unknown> = {}): never {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service, msg: message, ...detail })}\n`,
  );
  process.exit(1);
}

function describeAddress(server: Server): string {
  const address = server.address();
  return address === null || typeof address === 'string'
    ? String(address)
    : `${address.address}:${address.port}`;
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
      env: { ...process.env, ...definition.configOverrides },
      cwd: process.cwd(),
    }));
  } catch (error) {
    if (error instanceof ConfigError) fatal(service, error.message, { issues: error.issues });
    throw error;
  }
  const logger = createServiceLogger(service, config);
  for (const warning of warnings) logger.warn({ configWarning: true }, warning);

  const { port, host } = definition.listen(config);
  let app: INestApplication;
  let servers: Server[];
  try {
    ({ app, servers } = await startService(definition, config));
  } catch (error) {
    if (error instanceof ServiceStartupError) fatal(service, error.message);
    throw error;
  }
  const health = app.get(HealthRegistry);
  const graceMs = (definition.shutdownGraceSeconds?.(config) ?? DEFAULT_SHUTDOWN_GRACE_SECONDS) * 1000;
  for (const signal of stopSignals()) {
    process.once(signal, () => {
      // Readiness drops at once, so load balancers stop routing here while the hooks drain.
      health.markDraining();
      setTimeout(() => fatal(service, `did not stop within ${graceMs} ms of ${signal}`), graceMs).unref();
    });
  }
  health.markStarted();
  const also = servers.length > 0 ? { alsoListening: servers.map(describeAddress) } : {};
  logger.info({ port, host, ...also }, `${service} listening`);
  if (supervised()) {
    // A terminal's Ctrl-C reaches the whole process group; the supervisor stops its roles in order instead.
    process.on('SIGINT', () => undefined);
    // Re-parented (the parent pid changed): the supervisor died. SIGTERM stops the service as Ctrl-C would.
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(watch);
      logger.warn({ parent }, 'the supervisor that started this service is gone: stopping');
      process.kill(process.pid, 'SIGTERM');
    }, PARENT_CHECK_MS);
    watch.unref();
  }
}
