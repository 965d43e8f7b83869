import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pingDatabase } from './database';
import { startEmbeddedPostgres } from './embedded';

export interface DevelopmentServer {
  serverUrl: string;
  source: 'env' | 'local' | 'embedded';
  stop(): Promise<void>;
}

const LOCAL_SERVER = 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * A PostgreSQL server for tests and for writing migrations: the URL given, else the local server on
 * 5432 when one answers, else a throw-away embedded server in a temporary folder.
 */
export async function findDevelopmentServer(givenUrl: string | undefined): Promise<DevelopmentServer> {
  if (givenUrl) return { serverUrl: givenUrl, source: 'env', stop: async () => undefined };
  try {
    await pingDatabase(LOCAL_SERVER);
    return { serverUrl: LOCAL_SERVER, source: 'local', stop: async () => undefined };
  } catch {
    const dir = await mkdtemp(join(tmpdir(), 'webstream-pg-'));
    await chmod(dir, 0o755);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const server = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port });
    return {
      serverUrl: server.serverUrl,
      source: 'embedded',
      stop: async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
