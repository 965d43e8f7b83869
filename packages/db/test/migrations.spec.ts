import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, createMigration, MigrationError, type MigrationSource } from '../src/migrations';
import { dropDatabase, poolConfig } from '../src/database';
import { createTestDatabase, type TestDatabase } from '../src/testing';

const SCHEMA_HEADER = 'datasource db {\n  provider = "postgresql"\n}\n\n';
const SHADOWS = `SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow%' ORDER BY 1`;
const ORG_MODEL = 'model Org {\n  id   String @id\n  name String\n}\n';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client(poolConfig(url));
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function writeMigration(source: MigrationSource, name: string, sql: string): Promise<void> {
  await mkdir(join(source.migrationsDir, name), { recursive: true });
  await writeFile(join(source.migrationsDir, name, 'migration.sql'), sql);
}

describe('migrations on a real PostgreSQL', () => {
  let dir: string;
  let source: MigrationSource;
  const databases: TestDatabase[] = [];

  async function freshDatabase(): Promise<string> {
    const database = await createTestDatabase('ws_migrate');
    databases.push(database);
    return database.url;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ws-migrations-'));
  });

  afterEach(async () => {
    await Promise.all(databases.splice(0).map((database) => database.drop()));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function newSource(models: string): Promise<MigrationSource> {
    const root = await mkdtemp(join(dir, 'svc-'));
    await writeFile(join(root, 'schema.prisma'), SCHEMA_HEADER + models);
    return { schemaPath: join(root, 'schema.prisma'), migrationsDir: join(root, 'migrations') };
  }

  it('applies every migration to a fresh database, then nothing on a second run', async () => {
    source = await newSource(ORG_MODEL);
    await writeMigration(
      source,
      '20250101000000_init',
      'CREATE TABLE "Org" ("id" TEXT PRIMARY KEY, "name" TEXT NOT NULL);',
    );
    await writeMigration(source, '20250102000000_seed', `INSERT INTO "Org" VALUES ('o1', 'Acme');`);
    const url = await freshDatabase();

    expect(await applyMigrations(url, source)).toEqual(['20250101000000_init', '20250102000000_seed']);
    expect(await query(url, 'SELECT name FROM "Org"')).toEqual([{ name: 'Acme' }]);
    const recorded = await query<{ migration_name: string; finished_at: Date | null }>(
      url,
      'SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(recorded.map((row) => row.migration_name)).toEqual(['20250101000000_init', '20250102000000_seed']);
    expect(recorded.every((row) => row.finished_at !== null)).toBe(true);

    expect(await applyMigrations(url, source)).toEqual([]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM "Org"')).toEqual([{ n: 1 }]);
  });

  it('creates the database when it does not exist yet', async () => {
    source = await newSource(ORG_MODEL);
    await writeMigration(
      source,
      '20250101000000_init',
      'CREATE TABLE "Org" ("id" TEXT PRIMARY KEY, "name" TEXT NOT NULL);',
    );
    const url = await freshDatabase();
    const missing = `${url}_new`;
    databases.push({ url: missing, drop: () => dropDatabase(missing) });

    expect(await applyMigrations(missing, source)).toEqual(['20250101000000_init']);
  });

  it('fails loudly on a broken migration, names it, and keeps failing until it is resolved', async () => {
    source = await newSource(ORG_MODEL);
    await writeMigration(
      source,
      '20250101000000_init',
      'CREATE TABLE "Org" ("id" TEXT PRIMARY KEY, "name" TEXT NOT NULL);',
    );
    await writeMigration(source, '20250102000000_broken', 'CREATE TABLE "Broken" (');
    const url = await freshDatabase();

    const failure = await applyMigrations(url, source).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).migrationName).toBe('20250102000000_broken');
    expect((failure as MigrationError).message).toMatch(/20250102000000_broken.*syntax error/s);

    const recorded = await query<{ migration_name: string; finished_at: Date | null }>(
      url,
      'SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(recorded).toEqual([
      { migration_name: '20250101000000_init', finished_at: expect.any(Date) },
      { migration_name: '20250102000000_broken', finished_at: null },
    ]);
    await expect(applyMigrations(url, source)).rejects.toBeInstanceOf(MigrationError);
  });

  it('runs a migration as one script: function bodies survive, and a failure leaves nothing half-applied', async () => {
    source = await newSource(ORG_MODEL);
    await writeMigration(
      source,
      '20250101000000_init',
      `CREATE TABLE "Org" ("id" TEXT PRIMARY KEY, "name" TEXT NOT NULL);
CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN upper(t);
END;
$$;`,
    );
    await writeMigration(
      source,
      '20250102000000_half',
      'CREATE TABLE "Half" (id int); SELECT no_such_function();',
    );
    const url = await freshDatabase();

    await expect(applyMigrations(url, source)).rejects.toThrow(/20250102000000_half/);
    expect(await query(url, `SELECT shout('ok') AS loud`)).toEqual([{ loud: 'OK' }]);
    expect(await query(url, `SELECT to_regclass('"Half"') IS NULL AS absent`)).toEqual([{ absent: true }]);
  });

  it('writes a new migration from the schema through a shadow database, and none when unchanged', async () => {
    source = await newSource(ORG_MODEL);
    const url = await freshDatabase();
    const shadowsBefore = await query(url, SHADOWS);

    const first = await createMigration(url, source, 'init', new Date('2025-03-04T05:06:07Z'));
    expect(first).toBe('20250304050607_init');
    expect(await readFile(join(source.migrationsDir, first!, 'migration.sql'), 'utf8')).toMatch(
      /CREATE TABLE "Org"/,
    );
    expect(await readFile(join(source.migrationsDir, 'migration_lock.toml'), 'utf8')).toMatch(
      /provider = "postgresql"/,
    );

    await writeFile(
      source.schemaPath,
      SCHEMA_HEADER + ORG_MODEL + 'model Member {\n  id    String @id\n  orgId String\n}\n',
    );
    const second = await createMigration(url, source, 'members', new Date('2025-03-05T00:00:00Z'));
    expect(second).toBe('20250305000000_members');
    const sql = await readFile(join(source.migrationsDir, second!, 'migration.sql'), 'utf8');
    expect(sql).toMatch(/CREATE TABLE "Member"/);
    expect(sql).not.toMatch(/CREATE TABLE "Org"/);

    expect(await createMigration(url, source, 'nothing')).toBeNull();
    expect(await readdir(source.migrationsDir)).toHaveLength(3);

    expect(await applyMigrations(url, source)).toEqual([first, second]);
    expect(await query(url, `SELECT to_regclass('"Member"') IS NOT NULL AS present`)).toEqual([
      { present: true },
    ]);
    expect(await query(url, SHADOWS)).toEqual(shadowsBefore);
  });

  it('refuses a migration name that would make an unsafe folder', async () => {
    source = await newSource(ORG_MODEL);
    await expect(createMigration('postgresql://unused@127.0.0.1/x', source, '../escape')).rejects.toThrow(
      /migration name/,
    );
  });
});
