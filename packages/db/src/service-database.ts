import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Client } from 'pg';
import { formatDatabaseUrl, parseDatabaseUrl, quoteIdentifier, withClient, withDatabase } from './database';
import { scramVerifier } from './scram';

export interface ServiceDatabaseOptions {
  /** The service's database: created owned by the role when missing, handed over to it when not. */
  database: string;
  /** The service's login role: no superuser, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS. */
  role: string;
  /** Where the role's password is kept (0600, its folder made 0700): generated on first use, then reused. */
  passwordFile: string;
}

/**
 * Gives a service a login role of its own that owns exactly its own database, and returns the URL the
 * service connects with. Runs as the superuser of `server` (an embedded server, or an admin URL).
 *
 * - The role is created, or brought back to LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
 *   NOBYPASSRLS, and its password set from `passwordFile` each time, so the file is the truth.
 * - The database is created owned by the role; one left owned by someone else (an earlier version
 *   connected services as the superuser) is handed over with everything in its schemas, so the role can
 *   run Prisma migrations on it.
 * - PUBLIC loses CONNECT and TEMPORARY on the database: other services' roles cannot connect to it.
 */
export async function ensureServiceDatabase(
  server: string | { serverUrl: string },
  options: ServiceDatabaseOptions,
): Promise<string> {
  const adminUrl = typeof server === 'string' ? server : server.serverUrl;
  const { database, role } = options;
  checkName('database', database);
  checkName('role', role);
  if (role.startsWith('pg_')) throw new Error(`role ${role}: names starting with pg_ are reserved`);
  const password = await rolePassword(options.passwordFile);

  await withClient(withDatabase(adminUrl, 'postgres'), async (client) => {
    // Two processes preparing the same database take turns rather than racing on CREATE ROLE/DATABASE.
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`webstream service database ${database}`]);
    await ensureRole(client, role, password);
    await ensureOwnedDatabase(client, database, role);
    await client.query(`REVOKE ALL ON DATABASE ${quoteIdentifier(database)} FROM PUBLIC`);
  });
  // Objects an earlier version created as the superuser: the role must own them to migrate them.
  await withClient(withDatabase(adminUrl, database), (client) => handOverObjects(client, role));

  return formatDatabaseUrl({ ...parseDatabaseUrl(adminUrl), user: role, password, database });
}

function checkName(kind: string, name: string): void {
  // PostgreSQL silently truncates longer names, and the catalog lookups below would then miss them.
  if (!name || Buffer.byteLength(name) > 63 || name.includes('\0')) {
    throw new Error(`${kind} name must be 1-63 bytes without NUL (got ${JSON.stringify(name)})`);
  }
}

/** The password kept in the file, or a new one written there (0600, in a folder made 0700). */
async function rolePassword(file: string): Promise<string> {
  const stored = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    },
  );
  if (stored) {
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    return stored;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const password = randomBytes(32).toString('base64url');
  try {
    // wx: a process that lost the race to create it reads the winner's password instead.
    await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = (await readFile(file, 'utf8')).trim();
    if (winner) return winner;
    await writeFile(file, `${password}\n`, { mode: 0o600 });
  }
  await chmod(file, 0o600);
  return password;
}

async function ensureRole(client: Client, role: string, password: string): Promise<void> {
  const admin = await client.query<{ user: string }>('SELECT current_user AS user');
  if (admin.rows[0]?.user === role) {
    throw new Error(`role ${role} is the administrator this runs as: a service needs a role of its own`);
  }
  const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS VALID UNTIL 'infinity' PASSWORD '${scramVerifier(password)}'`;
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (exists.rowCount) {
    await client.query(`ALTER ROLE ${quoteIdentifier(role)} ${attributes}`);
  } else {
    await client.query(`CREATE ROLE ${quoteIdentifier(role)} ${attributes}`);
  }
  // Membership of another role (pg_read_all_data, a superuser's group…) would bring its privileges along.
  const memberOf = await client.query<{ name: string }>(
    `SELECT m.roleid::regrole::text AS name FROM pg_auth_members m
       JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1 ORDER BY 1`,
    [role],
  );
  if (memberOf.rowCount) {
    throw new Error(
      `role ${role} is a member of ${memberOf.rows.map((row) => row.name).join(', ')}: a service role must hold no other role's privileges`,
    );
  }
}

async function ensureOwnedDatabase(client: Client, database: string, role: string): Promise<void> {
  const found = await client.query<{ owner: string }>(
    'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
    [database],
  );
  const owner = found.rows[0]?.owner;
  if (owner === undefined) {
    await client.query(`CREATE DATABASE ${quoteIdentifier(database)} OWNER ${quoteIdentifier(role)}`);
  } else if (owner !== role) {
    await client.query(`ALTER DATABASE ${quoteIdentifier(database)} OWNER TO ${quoteIdentifier(role)}`);
  }
}

// Schemas of the database's own, not PostgreSQL's (pg_catalog, pg_toast, temporary schemas…).
const USER_SCHEMA = `n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;
// Objects an extension created stay the extension's.
const notInExtension = (catalog: string, oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

/**
 * ALTER ... OWNER TO the role for what the database's schemas hold (REASSIGN OWNED cannot take objects
 * from a superuser): schemas, types, tables, views, sequences and routines, which covers what Prisma
 * migrations make, _prisma_migrations included. Indexes, table row types and the sequences of serial and
 * identity columns follow their table. One transaction: a failure leaves the database as it was.
 */
async function handOverObjects(client: Client, role: string): Promise<void> {
  const target = quoteIdentifier(role);
  const pending = async (sql: string): Promise<string[]> =>
    (await client.query<{ statement: string }>(sql, [role])).rows.map((row) => row.statement);
  const owner = (column: string): string => `${column} <> (SELECT oid FROM pg_roles WHERE rolname = $1)`;

  await client.query('BEGIN');
  try {
    const steps = [
      // public belongs to pg_database_owner from PostgreSQL 15 on, so to the database's owner already.
      `SELECT 'SCHEMA ' || quote_ident(n.nspname) AS statement FROM pg_namespace n
        WHERE ${USER_SCHEMA} AND ${owner('n.nspowner')} AND pg_get_userbyid(n.nspowner) <> 'pg_database_owner'
          AND ${notInExtension('pg_namespace', 'n.oid')}`,
      // Enums, domains, ranges (their multirange follows) and stand-alone composite types.
      `SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN ' ELSE 'TYPE ' END || t.oid::regtype::text AS statement
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE ${USER_SCHEMA} AND ${owner('t.typowner')} AND ${notInExtension('pg_type', 't.oid')}
          AND (t.typtype IN ('e', 'd', 'r')
               OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))`,
      `SELECT CASE c.relkind WHEN 'v' THEN 'VIEW ' WHEN 'm' THEN 'MATERIALIZED VIEW '
                WHEN 'f' THEN 'FOREIGN TABLE ' ELSE 'TABLE ' END || c.oid::regclass::text AS statement
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${USER_SCHEMA} AND ${owner('c.relowner')} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND ${notInExtension('pg_class', 'c.oid')}`,
      // Run after the tables: a sequence a table owns has followed it and no longer shows here.
      `SELECT 'SEQUENCE ' || c.oid::regclass::text AS statement
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${USER_SCHEMA} AND ${owner('c.relowner')} AND c.relkind = 'S'
          AND ${notInExtension('pg_class', 'c.oid')}
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))`,
      `SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' WHEN 'a' THEN 'AGGREGATE ' ELSE 'FUNCTION ' END
                || p.oid::regprocedure::text AS statement
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE ${USER_SCHEMA} AND ${owner('p.proowner')} AND ${notInExtension('pg_proc', 'p.oid')}`,
    ];
    for (const step of steps) {
      for (const object of await pending(step)) await client.query(`ALTER ${object} OWNER TO ${target}`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
