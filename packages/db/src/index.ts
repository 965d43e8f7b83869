export * from './database';
export * from './development-server';
export * from './embedded';
export * from './migrations';
export * from './migrate-command';
export { ensureServiceDatabase, type ServiceDatabaseOptions } from './service-database';
export * from './known-errors';
