export * from './database/iam-database';
export * from './iam.module';
export * from './migration-source';
