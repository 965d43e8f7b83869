import {
  Controller,
  Global,
  Header,
  Headers,
  Inject,
  Module,
  NotFoundException,
  UnauthorizedException,
  type DynamicModule,
} from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { serviceProbeRoutes } from '@webstream/contracts';
import { type IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { HeaderSecret } from '../backend-auth/header-secret';
import { InjectConfig } from '../config/config.module';
import { Endpoint } from '../endpoint/endpoint.decorator';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** Injects the service's Prometheus registry, for features to register their own metrics in. */
export const InjectMetrics = (): ParameterDecorator => Inject(METRICS_REGISTRY);

// One registry per application rather than prom-client's global one, so two Nest apps in one process
// (tests, the built-in IAM) never collide on metric names.
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The route template Express matched: a path (with its mount path), a pattern's source for a RegExp route (the
 * web client's pages), or `unmatched` — Nest answers unknown paths from a catch-all, which is not a route.
 */
export function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return path.includes('*') ? 'unmatched' : `${req.baseUrl}${path}`;
  return path instanceof RegExp ? path.toString() : 'unmatched';
}

/** http_server_request_duration_seconds: every HTTP request by method, matched route (not raw URL, to bound cardinality) and status. */
export class HttpRequestMetrics {
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'HTTP requests served, by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.duration.observe({ method, route, status }, seconds);
  }

  /** Express middleware recording each request the framework routes. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const end = this.duration.startTimer();
      res.once('finish', () => {
        end({ method: req.method, route: routeLabel(req), status: res.statusCode });
      });
      next();
    };
  }
}

/**
 * /metrics names backends, sessions and licence figures: it answers only Prometheus, which presents
 * metrics.bearerToken, and without one configured it answers nobody.
 */
@Controller()
class MetricsController {
  private readonly bearer: HeaderSecret | undefined;

  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @InjectConfig() config: WebstreamConfig,
  ) {
    const token = config.metrics.bearerToken;
    this.bearer = token === undefined ? undefined : new HeaderSecret('authorization', `Bearer ${token}`);
  }

  @Endpoint(serviceProbeRoutes.metrics)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(@Headers() headers: IncomingHttpHeaders): Promise<string> {
    if (this.bearer === undefined) {
      throw new NotFoundException(
        '/metrics is served to nobody here: set metrics.bearerToken (Prometheus’s bearer token) to serve it',
      );
    }
    if (!this.bearer.presentIn(headers)) {
      throw new UnauthorizedException('/metrics needs Authorization: Bearer <metrics.bearerToken>');
    }
    return this.registry.metrics();
  }
}

@Global()
@Module({})
export class MetricsModule {
  static forRoot(service: string): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [{ provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry(service) }],
      exports: [METRICS_REGISTRY],
    };
  }
}
