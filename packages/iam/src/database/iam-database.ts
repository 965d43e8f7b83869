import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { poolConfig, postgresKnownErrors, prepareServiceDatabase } from '@webstream/db';
import { HealthRegistry, KnownErrors } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { PrismaClient } from '../generated/prisma/client';
import { iamMigrationSource } from '../migration-source';
import { type IamSettings, InjectIamSettings } from '../settings/iam-settings';

/** The IAM database, migrated to the current schema before the service takes traffic. */
@Injectable()
export class IamDatabase extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  private readonly databaseUrl: string;

  constructor(
    @InjectIamSettings() settings: IamSettings,
    private readonly health: HealthRegistry,
    private readonly logger: PinoLogger,
    knownErrors: KnownErrors,
  ) {
    super({ adapter: new PrismaPg(poolConfig(settings.databaseUrl)) });
    this.databaseUrl = settings.databaseUrl;
    for (const translation of postgresKnownErrors) knownErrors.add(translation);
  }

  async onModuleInit(): Promise<void> {
    await prepareServiceDatabase('iam', this.databaseUrl, iamMigrationSource, (msg, detail) =>
      this.logger.info(detail ?? {}, msg),
    );
    this.health.registerReadiness('iam-database', async () => {
      await this.$queryRaw`SELECT 1`;
    });
  }

  // After the HTTP listener has closed, so requests in flight finish first.
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
