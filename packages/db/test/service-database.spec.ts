import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, parseDatabaseUrl, poolConfig, quoteIdentifier, withDatabase } from '../src/database';
import { applyMigrations, type MigrationSource } from '../src/migrations';
import { ensureServiceDatabase } from '../src/service-database';
import { createTestDatabase } from '../src/testing';

async function query<T>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client(poolConfig(url));
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

async function failureCode(work: Promise<unknown>): Promise<string | undefined> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeDefined();
  return (error as { code?: string }).code;
}

describe('service databases on a real PostgreSQL', () => {
  let dir: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ws-service-db-'));
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A superuser URL and a fresh name of the test's own; the databases and roles made from it go afterwards. */
  async function scratch(
    prefix: string,
  ): Promise<{ admin: string; name: string; dropLater(db: string): void }> {
    const holder = await createTestDatabase(prefix);
    const admin = withDatabase(holder.url, 'postgres');
    const name = parseDatabaseUrl(holder.url).database;
    const roles: string[] = [];
    cleanups.push(async () => {
      for (const role of roles) await query(admin, `DROP ROLE IF EXISTS ${quoteIdentifier(role)}`);
    });
    cleanups.push(() => holder.drop());
    return {
      admin,
      name,
      dropLater: (db) => {
        roles.push(`${db}_role`);
        cleanups.push(() => dropDatabase(withDatabase(admin, db)));
      },
    };
  }

  it('gives each service a plain role owning its own database, kept to it, its password in a 0600 file', async () => {
    const { admin, name, dropLater } = await scratch('ws_svc');
    const [iam, metrics] = [`${name}_iam`, `${name}_metrics`];
    dropLater(iam);
    dropLater(metrics);
    const passwordFile = join(dir, 'fresh', 'roles', 'iam.password');

    const iamUrl = await ensureServiceDatabase(admin, { database: iam, role: `${iam}_role`, passwordFile });
    const metricsUrl = await ensureServiceDatabase(
      { serverUrl: admin },
      {
        database: metrics,
        role: `${metrics}_role`,
        passwordFile: join(dir, 'fresh', 'roles', 'metrics.password'),
      },
    );

    const password = (await readFile(passwordFile, 'utf8')).trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parseDatabaseUrl(iamUrl)).toMatchObject({ user: `${iam}_role`, password, database: iam });
    expect((await stat(passwordFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'fresh', 'roles'))).mode & 0o777).toBe(0o700);

    expect(
      await query(
        iamUrl,
        `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin
           FROM pg_roles WHERE rolname = current_user`,
      ),
    ).toEqual([
      {
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
        rolcanlogin: true,
      },
    ]);
    expect(
      await query(
        iamUrl,
        'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()',
      ),
    ).toEqual([{ owner: `${iam}_role` }]);
    expect(
      await query(
        iamUrl,
        `SELECT count(*)::int AS n FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
                            WHERE r.rolname = current_user`,
      ),
    ).toEqual([{ n: 0 }]);

    // What a first migration does.
    await query(iamUrl, 'CREATE TABLE "User" (id text PRIMARY KEY); CREATE TYPE "Kind" AS ENUM (\'a\')');
    await query(metricsUrl, 'CREATE TABLE "Sample" (id serial PRIMARY KEY)');

    expect(await failureCode(query(withDatabase(iamUrl, metrics), 'SELECT 1'))).toBe('42501');
    expect(await failureCode(query(withDatabase(metricsUrl, iam), 'SELECT 1'))).toBe('42501');
    expect(await failureCode(query(iamUrl, 'SELECT rolpassword FROM pg_authid'))).toBe('42501');
    expect(await failureCode(query(iamUrl, `CREATE DATABASE ${quoteIdentifier(`${iam}_more`)}`))).toBe(
      '42501',
    );

    // A second start reuses the password and changes nothing.
    expect(await ensureServiceDatabase(admin, { database: iam, role: `${iam}_role`, passwordFile })).toBe(
      iamUrl,
    );
    expect((await readFile(passwordFile, 'utf8')).trim()).toBe(password);
    expect(await query(iamUrl, `SELECT to_regclass('"User"') IS NOT NULL AS kept`)).toEqual([{ kept: true }]);
  });

  it('hands a database an earlier version made as the superuser over to the role, migrations included', async () => {
    const { admin, name, dropLater } = await scratch('ws_svc_old');
    dropLater(name);
    const role = `${name}_role`;
    const oldUrl = withDatabase(admin, name);
    const root = await mkdtemp(join(dir, 'svc-'));
    const source: MigrationSource = {
      schemaPath: join(root, 'schema.prisma'),
      migrationsDir: join(root, 'migrations'),
    };
    await writeFile(
      source.schemaPath,
      'datasource db {\n  provider = "postgresql"\n}\n\nmodel Org {\n  id   Int    @id @default(autoincrement())\n  name String\n}\n',
    );
    const migration = async (folder: string, sql: string): Promise<void> => {
      await mkdir(join(source.migrationsDir, folder), { recursive: true });
      await writeFile(join(source.migrationsDir, folder, 'migration.sql'), sql);
    };
    await migration(
      '20250101000000_init',
      `CREATE SCHEMA audit;
CREATE TABLE audit."Event" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
CREATE TYPE "Kind" AS ENUM ('a');
CREATE DOMAIN "Name" AS text CHECK (VALUE <> '');
CREATE SEQUENCE "Ticket";
CREATE TABLE "Org" ("id" SERIAL PRIMARY KEY, "name" "Name" NOT NULL, "kind" "Kind");
CREATE VIEW "OrgNames" AS SELECT "name" FROM "Org";
CREATE FUNCTION shout(t text) RETURNS text LANGUAGE sql AS $$ SELECT upper(t) $$;`,
    );
    // The old layout: the database and everything in it made by the superuser.
    expect(await applyMigrations(oldUrl, source)).toEqual(['20250101000000_init']);

    const url = await ensureServiceDatabase(admin, {
      database: name,
      role,
      passwordFile: join(dir, 'old.password'),
    });

    expect(
      await query(
        url,
        'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()',
      ),
    ).toEqual([{ owner: role }]);
    const strays = await query<{ name: string; owner: string }>(
      url,
      `SELECT c.oid::regclass::text AS name, pg_get_userbyid(c.relowner) AS owner FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'audit') AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
       UNION ALL
       SELECT t.oid::regtype::text, pg_get_userbyid(t.typowner) FROM pg_type t
         JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname IN ('public', 'audit') AND t.typowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
       UNION ALL
       SELECT p.oid::regprocedure::text, pg_get_userbyid(p.proowner) FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('public', 'audit') AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
       UNION ALL
       SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace
        WHERE nspname = 'audit' AND nspowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
    );
    expect(strays).toEqual([]);
    expect(await query(url, `SELECT current_setting('is_superuser') AS superuser`)).toEqual([
      { superuser: 'off' },
    ]);

    await query(url, 'ALTER TABLE "Org" ADD COLUMN "note" text');
    await migration(
      '20250102000000_more',
      `ALTER TABLE "Org" ADD COLUMN "size" int;
ALTER TYPE "Kind" RENAME VALUE 'a' TO 'b';
ALTER DOMAIN "Name" SET DEFAULT 'x';
SELECT nextval('"Ticket"');
INSERT INTO "Org" ("name") VALUES ('Acme');
INSERT INTO audit."Event" DEFAULT VALUES;
CREATE OR REPLACE VIEW "OrgNames" AS SELECT "name", "size" FROM "Org";
DROP FUNCTION shout(text);
CREATE TABLE audit."Trail" (id int);`,
    );
    expect(await applyMigrations(url, source)).toEqual(['20250102000000_more']);
    expect(await query(url, 'SELECT "name", "kind" FROM "Org"')).toEqual([{ name: 'Acme', kind: null }]);
  });

  it('refuses to make the administrator a service role, and names PostgreSQL truncates or reserves', async () => {
    const { admin } = await scratch('ws_svc_bad');
    const passwordFile = join(dir, 'bad.password');
    const { user } = parseDatabaseUrl(admin);
    await expect(
      ensureServiceDatabase(admin, { database: 'ws_unused', role: user, passwordFile }),
    ).rejects.toThrow(/administrator/);
    await expect(
      ensureServiceDatabase(admin, { database: 'x'.repeat(64), role: 'ws_unused', passwordFile }),
    ).rejects.toThrow(/1-63 bytes/);
    await expect(
      ensureServiceDatabase(admin, { database: 'ws_unused', role: 'pg_monitor', passwordFile }),
    ).rejects.toThrow(/reserved/);
    expect(await query(admin, `SELECT 1 FROM pg_database WHERE datname = 'ws_unused'`)).toEqual([]);
  });
});
