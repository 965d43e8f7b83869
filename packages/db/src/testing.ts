import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase, withDatabase } from './database';
import { applyMigrations, type MigrationSource, pendingSchemaChange, readMigrationList } from './migrations';
import { type DevelopmentServer, findDevelopmentServer } from './development-server';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

let server: Promise<DevelopmentServer> | undefined;

/**
 * A database of the test's own on a real PostgreSQL (TEST_DATABASE_URL, the local server, or an embedded
 * one), named with a random suffix so parallel suites never share one; drop() removes it.
 */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  server ??= findDevelopmentServer(process.env['TEST_DATABASE_URL']);
  const { serverUrl } = await server;
  const url = withDatabase(serverUrl, `${prefix}_${randomBytes(6).toString('hex')}`);
  await ensureDatabase(url);
  return { url, drop: () => dropDatabase(url) };
}

export interface MigrationCheck {
  /** The migration folders on disk, in order. */
  folders: string[];
  /** Migrations applied to a fresh database. */
  applied: string[];
  /** Migrations applied by a second run: none, when the tool is idempotent. */
  appliedAgain: string[];
  /** SQL the schema still needs beyond the migrations: null when someone forgot `db:migrate:new`. */
  pendingChange: string | null;
}

/** Applies a service's real migrations to a fresh database and compares them with its schema. */
export async function checkServiceMigrations(
  prefix: string,
  source: MigrationSource,
): Promise<MigrationCheck> {
  const database = await createTestDatabase(prefix);
  try {
    const applied = await applyMigrations(database.url, source);
    const appliedAgain = await applyMigrations(database.url, source);
    const folders = (await readMigrationList(source.migrationsDir)).migrationDirectories.map(
      (dir) => dir.path,
    );
    return { folders, applied, appliedAgain, pendingChange: await pendingSchemaChange(database.url, source) };
  } finally {
    await database.drop();
  }
}
