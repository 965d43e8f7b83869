import { Controller, Get, Global, Header, Inject, Module, type DynamicModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

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

/** Records every HTTP request by method, matched route (not raw URL, to bound cardinality) and status. */
export function httpMetricsMiddleware(registry: Registry) {
  const duration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'HTTP requests served, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = duration.startTimer();
    res.once('finish', () => {
      // Nest answers unknown paths from a catch-all route; those count as unmatched, not as a route.
      const route = (req.route as { path?: string } | undefined)?.path;
      const matched = route !== undefined && !route.includes('*');
      end({
        method: req.method,
        route: matched ? `${req.baseUrl}${route}` : 'unmatched',
        status: res.statusCode,
      });
    });
    next();
  };
}

@Controller()
class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
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
