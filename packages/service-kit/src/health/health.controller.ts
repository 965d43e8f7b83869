import { Controller, Res, ServiceUnavailableException } from '@nestjs/common';
import { serviceProbeRoutes } from '@webstream/contracts';
import { Endpoint } from '../endpoint/endpoint.decorator';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorFunction,
  HealthIndicatorService,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { HealthRegistry } from './health.registry';

const CHECK_TIMEOUT_MS = 3_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Start-up and readiness, which run checks; liveness is answered ahead of the framework (ProbeAnswers). */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly registry: HealthRegistry,
  ) {}

  @Endpoint(serviceProbeRoutes.startup)
  @HealthCheck()
  startup(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    return this.answer(res, [
      async () => {
        const session = this.indicator.check('startup');
        return this.registry.isStarted ? session.up() : session.down({ message: 'still starting' });
      },
    ]);
  }

  @Endpoint(serviceProbeRoutes.ready)
  @HealthCheck()
  ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [
      async () => {
        const session = this.indicator.check('service');
        if (this.registry.isDraining) return session.down({ message: 'shutting down' });
        return this.registry.isStarted ? session.up() : session.down({ message: 'still starting' });
      },
    ];
    for (const [name, check] of this.registry.readinessChecks()) {
      checks.push(async () => {
        const session = this.indicator.check(name);
        try {
          return session.up((await withTimeout(check(), CHECK_TIMEOUT_MS)) ?? {});
        } catch (error) {
          return session.down({ message: error instanceof Error ? error.message : String(error) });
        }
      });
    }
    return this.answer(res, checks);
  }

  // Terminus reports a failed check by throwing; the probe wants the same body with a 503.
  private async answer(res: Response, checks: HealthIndicatorFunction[]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
