import { join } from 'node:path';
import { type MigrationSource } from '@webstream/db';

export const iamMigrationSource: MigrationSource = {
  schemaPath: join(__dirname, '..', 'prisma', 'schema.prisma'),
  migrationsDir: join(__dirname, '..', 'prisma', 'migrations'),
};
