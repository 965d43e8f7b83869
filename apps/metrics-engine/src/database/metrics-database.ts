import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { poolConfig, postgresKnownErrors, prepareServiceDatabase } from '@webstream/db';
import { HealthRegistry, KnownErrors } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { PrismaClient } from '../generated/prisma/client';
import { metricsMigrationSource } from '../migration-source';

export const METRICS_DATABASE_URL = Symbol('METRICS_DATABASE_URL');
const REPORT_STATEMENT_TIMEOUT_MS = 30_000;

/** The metrics database, migrated to the current schema before the service takes traffic. */
@Injectable()
export class MetricsDatabase extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(METRICS_DATABASE_URL) private readonly databaseUrl: string,
    private readonly health: HealthRegistry,
    private readonly logger: PinoLogger,
    knownErrors: KnownErrors,
  ) {
    // Reports run here. A statement that outlives the timeout is stopped rather than holding the pool, and
    // JIT is off: it spent ~0.5 s compiling each report query for no gain at these sizes (measured).
    const connection = poolConfig(databaseUrl);
    super({
      adapter: new PrismaPg({
        ...connection,
        options: `${connection.options ?? ''} -c jit=off`,
        statement_timeout: REPORT_STATEMENT_TIMEOUT_MS,
      }),
    });
    // Its reads through Prisma and the ingest pool's writes.
    for (const translation of postgresKnownErrors) knownErrors.add(translation);
  }

  async onModuleInit(): Promise<void> {
    await prepareServiceDatabase('metrics-engine', this.databaseUrl, metricsMigrationSource, (msg, detail) =>
      this.logger.info(detail ?? {}, msg),
    );
    this.health.registerReadiness('metrics-database', async () => {
      await this.$queryRaw`SELECT 1`;
    });
  }

  // After the HTTP listener has closed, so requests in flight finish first.
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
