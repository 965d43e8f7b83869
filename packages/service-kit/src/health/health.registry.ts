import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';

export type ReadinessCheck = () => Promise<Record<string, unknown> | void>;

/**
 * What /health/ready and /health/startup answer from: feature modules register a check for each
 * dependency they cannot work without; start-up completes when the server listens; readiness drops as
 * soon as shutdown begins so load balancers stop sending work while the service drains.
 */
@Injectable()
export class HealthRegistry implements BeforeApplicationShutdown {
  private readonly readiness = new Map<string, ReadinessCheck>();
  private started = false;
  private draining = false;

  registerReadiness(name: string, check: ReadinessCheck): void {
    if (this.readiness.has(name)) throw new Error(`readiness check "${name}" is registered twice`);
    this.readiness.set(name, check);
  }

  readinessChecks(): ReadonlyMap<string, ReadinessCheck> {
    return this.readiness;
  }

  markStarted(): void {
    this.started = true;
  }

  get isStarted(): boolean {
    return this.started;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Called as soon as a stop signal arrives, before any shutdown hook runs. */
  markDraining(): void {
    this.draining = true;
  }

  beforeApplicationShutdown(): void {
    this.draining = true;
  }
}
