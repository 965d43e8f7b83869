import { Client, type ClientConfig, type PoolConfig } from 'pg';

export interface DatabaseUrlParts {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** libpq's sslmode from the URL's query, when given. */
  sslmode?: string;
}

export function parseDatabaseUrl(url: string): DatabaseUrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('database URL is not a valid URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`database URL must start with postgresql:// (got ${parsed.protocol}//)`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error('database URL must name a database');
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username || 'postgres'),
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database,
    ...(parsed.searchParams.get('sslmode') ? { sslmode: parsed.searchParams.get('sslmode')! } : {}),
  };
}

export function formatDatabaseUrl(parts: DatabaseUrlParts): string {
  const auth = parts.password
    ? `${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}`
    : encodeURIComponent(parts.user);
  const query = parts.sslmode ? `?sslmode=${encodeURIComponent(parts.sslmode)}` : '';
  return `postgresql://${auth}@${parts.host}:${parts.port}/${encodeURIComponent(parts.database)}${query}`;
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  return formatDatabaseUrl({ ...parseDatabaseUrl(url), database });
}

/** The URL without its password, for logs. */
export function maskDatabaseUrl(url: string): string {
  try {
    const parts = parseDatabaseUrl(url);
    return formatDatabaseUrl({ ...parts, password: parts.password ? '***' : undefined });
  } catch {
    return '[invalid database URL]';
  }
}

// Discrete fields rather than a connection string: pg lets a connectionString override `database`,
// which would point Prisma's shadow database at the real one.
// Sessions run in UTC whatever the server's default: report periods (days, weeks, months) are UTC.
export function poolConfig(url: string): PoolConfig {
  const { host, port, user, password, database, sslmode } = parseDatabaseUrl(url);
  return {
    host,
    port,
    user,
    password,
    database,
    ...sslOption(sslmode),
    options: '-c TimeZone=UTC',
    allowExitOnIdle: true,
    connectionTimeoutMillis: 10_000,
  };
}

function sslOption(sslmode: string | undefined): Pick<PoolConfig, 'ssl'> {
  switch (sslmode) {
    case undefined:
    case 'disable':
    case 'allow':
    case 'prefer':
      return {};
    case 'require':
      return { ssl: { rejectUnauthorized: false } };
    case 'verify-ca':
    case 'verify-full':
      return { ssl: { rejectUnauthorized: true } };
    default:
      throw new Error(`database URL has an unknown sslmode ${sslmode}`);
  }
}

async function withMaintenanceClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const config: ClientConfig = { ...poolConfig(withDatabase(url, 'postgres')) };
  const client = new Client(config);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A name quoted for SQL where a parameter cannot stand (databases, roles, schemas). */
/** One connection for a piece of work, closed whatever happens. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(poolConfig(url));
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates the URL's database when it does not exist yet; returns whether it did. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const { database } = parseDatabaseUrl(url);
  return withMaintenanceClient(url, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
    } catch (error) {
      // Another process created it between our check and our CREATE (42P04, or 23505 when both ran at once).
      const code = (error as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw error;
    }
    return true;
  });
}

export async function dropDatabase(url: string): Promise<void> {
  const { database } = parseDatabaseUrl(url);
  await withMaintenanceClient(url, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
  });
}

/** Resolves when a server answers at the URL, or rejects with the connection error. */
export async function pingDatabase(url: string): Promise<void> {
  const client = new Client({ ...poolConfig(url), connectionTimeoutMillis: 2_000 });
  await client.connect();
  await client.end();
}
