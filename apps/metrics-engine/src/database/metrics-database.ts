import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { poolConfig, prepareServiceDatabase } from '@webstream/db';
import { HealthRegistry } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { PrismaClient } from '../generated/prisma/client';
import { metricsMigrationSource } from '../migration-source';

export const METRICS_DATABASE_URL = Symbol('METRICS_DATABASE_URL');

/** The metrics database, migrated to the current schema before the service takes traffic. */
@Injectable()
export class MetricsDatabase extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Inject(METRICS_DATABASE_URL) private readonly databaseUrl: string,
    private readonly health: HealthRegistry,
    private readonly logger: PinoLogger,
  ) {
    super({ adapter: new PrismaPg(poolConfig(databaseUrl)) });
  }

  async onModuleInit(): Promise<void> {
    await prepareServiceDatabase('metrics-engine', this.databaseUrl, metricsMigrationSource, (msg, detail) =>
      this.logger.info(detail ?? {}, msg),
    );
    this.health.registerReadiness('metrics-database', async () => {
      await this.$queryRaw`SELECT 1`;
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
