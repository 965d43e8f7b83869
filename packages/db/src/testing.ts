import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase, withDatabase } from './database';
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
