// Throw-away databases on the development PostgreSQL (TEST_DATABASE_URL, the local server on 5432, or an
// embedded one started for this run), and plain pg clients to them.
import { randomBytes } from 'node:crypto';
import {
  type DevelopmentServer,
  dropDatabase,
  ensureDatabase,
  findDevelopmentServer,
  maskDatabaseUrl,
  poolConfig,
  withDatabase,
} from '@webstream/db';
import { Client } from 'pg';
import { progress } from './report';

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * The same choice as createTestDatabase() from '@webstream/db/testing', but the bench keeps the server
 * handle so an embedded PostgreSQL it started is stopped again at the end.
 */
export class PostgresServer {
  private constructor(private readonly server: DevelopmentServer) {}

  static async find(): Promise<PostgresServer> {
    const server = await findDevelopmentServer(process.env['TEST_DATABASE_URL']);
    progress(`PostgreSQL: ${server.source} server at ${maskDatabaseUrl(server.serverUrl)}`);
    return new PostgresServer(server);
  }

  get source(): string {
    return this.server.source;
  }

  async createDatabase(prefix: string): Promise<BenchDatabase> {
    const url = withDatabase(this.server.serverUrl, `${prefix}_${randomBytes(6).toString('hex')}`);
    await ensureDatabase(url);
    return { url, drop: () => dropDatabase(url) };
  }

  async version(): Promise<string> {
    return withClient(this.server.serverUrl, async (client) => {
      const result = await client.query<{ server_version: string }>('SHOW server_version');
      return result.rows[0]?.server_version ?? 'unknown';
    });
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

export async function connect(url: string): Promise<Client> {
  const client = new Client({ ...poolConfig(url), connectionTimeoutMillis: 10_000 });
  // A connection the server ends (the database dropped on Ctrl-C) must not crash the run: the next query
  // on it fails instead, and is reported where it was made.
  client.on('error', (error) => progress(`database connection lost: ${error.message}`));
  await client.connect();
  return client;
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A single bigint/integer answer (count(*) and the like) as a number. */
export async function scalar(client: Client, sql: string, params: unknown[] = []): Promise<number> {
  const result = await client.query<{ value: string | number | null }>(sql, params);
  const value = result.rows[0]?.value;
  if (value === undefined || value === null) throw new Error(`no value from: ${sql}`);
  return Number(value);
}
