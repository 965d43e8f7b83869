import { mkdtempSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import http, { Agent } from 'node:http';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { PactV4 } from '@pact-foundation/pact';
import { type ExpectStatic } from 'vitest';
import { parse } from 'yaml';
import { documentedRoutes, lintOpenApi, servedRoutes } from './openapi-checks';
import { PACT_DIR } from './pacts';

export interface ConsumerPact {
  /** The pact the suite's interactions are added to. */
  readonly pact: PactV4;
  /** Asserts the pact the interactions wrote is the committed one (`-u` updates it); run it last. */
  isCommitted(): Promise<void>;
}

/** Vitest's expect, loaded where it is used: vitest cannot be required by a CommonJS module. */
async function vitestExpect(): Promise<ExpectStatic> {
  return (await import('vitest')).expect;
}

/**
 * A consumer's pact with one provider for a describe block: written to a folder of its own, then compared with
 * the committed pacts/<consumer>-<provider>.json, so a changed expectation shows in review.
 */
export function consumerPact(consumer: string, provider: string): ConsumerPact {
  // Each interaction's mock server may get the port the last one had: a socket to the stopped one, kept alive in
  // Node's global agent (which the services' own HTTP clients use), would be reused and the request lost.
  http.globalAgent = new Agent({ keepAlive: false });
  const dir = mkdtempSync(join(tmpdir(), 'ws-pact-'));
  const pact = new PactV4({ consumer, provider, dir, logLevel: 'warn' });
  const file = `${consumer}-${provider}.json`;
  return {
    pact,
    async isCommitted(): Promise<void> {
      const expect = await vitestExpect();
      try {
        await expect(await readFile(join(dir, file), 'utf8')).toMatchFileSnapshot(join(PACT_DIR, file));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Where the committed copies of the services' OpenAPI documents are. */
export const OPENAPI_DOCS_DIR = join(PACT_DIR, '..', 'docs', 'api');

/**
 * A running service's own document: it describes every route the app serves and nothing else, lints clean,
 * is served the same as YAML, and is the committed docs/api/<name>.openapi.yaml (`-u` updates it).
 */
export async function expectServedDocument(app: INestApplication, url: string, name: string): Promise<void> {
  const expect = await vitestExpect();
  const [json, yaml] = await Promise.all([
    fetch(`${url}/openapi.json`).then((answer) => answer.json() as Promise<object>),
    fetch(`${url}/openapi.yaml`).then((answer) => answer.text()),
  ]);
  expect(documentedRoutes(json)).toEqual(servedRoutes(app));
  expect(parse(yaml)).toEqual(json);
  expect(await lintOpenApi(json)).toEqual([]);
  await expect(yaml).toMatchFileSnapshot(join(OPENAPI_DOCS_DIR, `${name}.openapi.yaml`));
}

/** Signs in through IAM's login and answers the access token, for a provider state of a signed-in user. */
export async function signIn(base: string, username: string, password: string): Promise<string> {
  const answer = await fetch(`${base}/iam/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const { accessToken } = (await answer.json()) as { accessToken?: string };
  if (answer.status !== 200 || accessToken === undefined)
    throw new Error(`sign-in refused: HTTP ${answer.status}`);
  return accessToken;
}

type Middleware = (
  req: { headers: Record<string, string | string[] | undefined> },
  res: unknown,
  next: () => void,
) => void;

/**
 * A provider verification's request filter: the credentials a consumer recorded are its own, so each header the
 * request carries is replaced with the provider's value of it (read when the request arrives).
 */
export function credentialFilter(credentials: () => Record<string, string | undefined>): Middleware {
  return (req, _res, next) => {
    for (const [header, value] of Object.entries(credentials())) {
      if (req.headers[header] !== undefined && value !== undefined) req.headers[header] = value;
    }
    next();
  };
}
