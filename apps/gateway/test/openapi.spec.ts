import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webstreamConfigSchema, type WebstreamConfig } from '@webstream/config';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GatewayModule } from '../src/gateway.module';
import { GatewayOpenApi, type GatewayOpenApiDocument } from '../src/openapi/gateway-openapi';
import { GatewayOpenApiModule } from '../src/openapi/gateway-openapi.module';
import { FakeUpstream } from './mcp-fake-upstream';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Json = Record<string, unknown>;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function recordAt(node: unknown, key: string): Json {
  const value = isJson(node) ? node[key] : undefined;
  return isJson(value) ? value : {};
}

function listAt(node: unknown, key: string): unknown[] {
  const value = isJson(node) ? node[key] : undefined;
  return Array.isArray(value) ? value : [];
}

/** Checks the parts of the OpenAPI 3.1 structure that tools trip over; returns what is wrong. */
function problemsOf(document: unknown): string[] {
  const problems: string[] = [];
  if (!isJson(document)) return ['not an object'];
  if (document['openapi'] !== '3.1.0') problems.push(`openapi is ${String(document['openapi'])}`);
  const info = recordAt(document, 'info');
  if (typeof info['title'] !== 'string' || typeof info['version'] !== 'string')
    problems.push('info needs title and version');
  const schemes = Object.keys(recordAt(recordAt(document, 'components'), 'securitySchemes'));
  const tags = new Set(
    listAt(document, 'tags')
      .filter(isJson)
      .map((tag) => tag['name']),
  );
  const resolve = (ref: string): unknown =>
    ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (isJson(node) ? node[key] : undefined), document);
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${where}[${i}]`));
    else if (isJson(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (
          key === '$ref' &&
          (typeof value !== 'string' || !value.startsWith('#/') || resolve(value) === undefined)
        )
          problems.push(`${where}: $ref ${String(value)} does not resolve`);
        else walk(value, `${where}.${key}`);
      }
    }
  };
  walk(document, '$');
  const operationIds = new Set<unknown>();
  for (const [path, item] of Object.entries(recordAt(document, 'paths'))) {
    if (!path.startsWith('/')) problems.push(`${path} does not start with /`);
    if (/:[A-Za-z]/.test(path)) problems.push(`${path} has an Express-style parameter`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
    for (const method of METHODS) {
      if (!isJson(item) || item[method] === undefined) continue;
      const operation = recordAt(item, method);
      const where = `${method.toUpperCase()} ${path}`;
      if (operation['operationId'] !== undefined) {
        if (operationIds.has(operation['operationId'])) problems.push(`${where}: operationId repeated`);
        operationIds.add(operation['operationId']);
      }
      const responses = Object.entries(recordAt(operation, 'responses'));
      if (responses.length === 0) problems.push(`${where}: no responses`);
      for (const [status, response] of responses) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where}: response key ${status}`);
        if (
          !isJson(response) ||
          (response['$ref'] === undefined && typeof response['description'] !== 'string')
        )
          problems.push(`${where} ${status}: no description`);
      }
      const parameters = listAt(operation, 'parameters').filter(isJson);
      for (const name of templated) {
        if (!parameters.some((p) => p['in'] === 'path' && p['name'] === name && p['required'] === true))
          problems.push(`${where}: path parameter ${name} is not declared as required`);
      }
      for (const requirement of listAt(operation, 'security').filter(isJson)) {
        for (const scheme of Object.keys(requirement))
          if (!schemes.includes(scheme)) problems.push(`${where}: unknown security scheme ${scheme}`);
      }
      for (const tag of listAt(operation, 'tags'))
        if (!tags.has(tag)) problems.push(`${where}: tag ${String(tag)} is not declared`);
    }
  }
  return problems;
}

async function fetchDocument(
  base: string,
  path = '/openapi.json',
): Promise<{ type: string | null; text: string }> {
  const response = await fetch(`${base}${path}`);
  expect(response.status).toBe(200);
  return { type: response.headers.get('content-type'), text: await response.text() };
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the aggregated OpenAPI document', () => {
  let database: TestDatabase;
  let dir: string;
  let signingKey: string;
  let gateway: TestService;
  const others: TestService[] = [];
  const upstreams: FakeUpstream[] = [];

  function configFor(access: Record<string, unknown> = {}): WebstreamConfig {
    return webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      accessManagement: {
        databaseUrl: database.url,
        tokenSigningKey: signingKey,
        bootstrapAdmin: { password: 'a long enough passphrase' },
        ...access,
      },
      metricsEngine: { url: 'http://127.0.0.1:9', serviceToken: 's'.repeat(32) },
      gateway: { backend: { token: 'b'.repeat(32) } },
      telemetry: { spoolDir: join(dir, `spool-${randomBytes(4).toString('hex')}`) },
    });
  }

  function startGateway(config: WebstreamConfig): Promise<TestService> {
    return startTestService({
      module: class OpenApiTestHost {},
      imports: [GatewayModule.forRoot(config), GatewayOpenApiModule],
    });
  }

  /** A standalone IAM that serves only its specification. */
  async function fakeIam(): Promise<FakeUpstream> {
    const iam = await new FakeUpstream('iam').start();
    upstreams.push(iam);
    iam.reply = (request) =>
      request.url === '/iam/openapi.json'
        ? {
            status: 200,
            body: {
              openapi: '3.1.0',
              info: { title: 'IAM', version: '9.9.9' },
              components: {
                // Same name as the gateway's scheme, another meaning: must be renamed, not overwritten.
                securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'opaque' } },
                schemas: { Widget: { type: 'object', properties: { id: { type: 'string' } } } },
              },
              paths: {
                '/iam/widgets/{id}': {
                  get: {
                    tags: ['widgets'],
                    security: [{ bearer: [] }],
                    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
                    responses: {
                      '200': {
                        description: 'OK',
                        content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } },
                      },
                    },
                  },
                },
              },
            },
          }
        : { status: 404, body: { error: 'no' } };
    return iam;
  }

  function standalone(iamUrl: string): Promise<TestService> {
    return startGateway(configFor({ mode: 'standalone', url: iamUrl, databaseUrl: undefined })).then(
      (service) => {
        others.push(service);
        return service;
      },
    );
  }

  beforeAll(async () => {
    database = await createTestDatabase('ws_gateway_openapi');
    dir = await mkdtemp(join(tmpdir(), 'ws-gateway-openapi-'));
    signingKey = randomBytes(32).toString('hex');
    gateway = await startGateway(configFor());
  });

  afterAll(async () => {
    for (const service of others) await service.close();
    await gateway?.close();
    for (const upstream of upstreams) await upstream.stop();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the gateway's, IAM's and the metrics engine's paths in one OpenAPI 3.1 document", async () => {
    const { type, text } = await fetchDocument(gateway.url);
    expect(type).toMatch(/^application\/json/);
    const document = JSON.parse(text) as GatewayOpenApiDocument;
    expect(document.openapi).toBe('3.1.0');
    const paths = Object.keys(document.paths ?? {});
    for (const path of [
      '/gateway/session/select',
      '/gateway/session/release',
      '/gateway/session/status',
      '/gateway/register',
      '/gateway/heartbeat',
      '/gateway/unregister',
      '/gateway/license/streamer-checkin',
      '/gateway/license/streamer-checkout',
      '/gateway/admin/backends',
      '/gateway/admin/sessions/{sessionId}',
      '/gateway/health',
      '/getConnection',
      '/iam/auth/login',
      '/iam/users/{id}',
      '/iam/api-keys',
      '/mcp/api/ingest',
      '/mcp/api/reports/usage',
      '/mcp/api/operations/nodes',
      '/mcp/api/audit',
    ]) {
      expect(paths, path).toContain(path);
    }
    // No unprefixed engine routes: they are reached through the proxy only.
    expect(paths.filter((path) => path.startsWith('/api/'))).toEqual([]);
    const select = document.paths!['/gateway/session/select']!.post!;
    expect(select.tags).toEqual(['gateway/sessions']);
    expect(select.security).toEqual([{ bearer: [] }]);
    expect(JSON.stringify(select.parameters)).toContain('x-session-id');
    expect(document.paths!['/gateway/register']!.post!.security).toEqual([{ backendToken: [] }]);
    expect(document.paths!['/mcp/api/reports/usage']!.get!.security).toEqual([{ mcpKey: [] }]);
    expect(document.paths!['/iam/users/{id}']!.get!.tags).toEqual(['iam/users']);
    expect(document.paths!['/gateway/health']!.get!.security).toEqual([]);
    expect(document['x-tagGroups'].map((group) => group.name)).toEqual([
      'Gateway',
      'Access Management (IAM)',
      'Metrics engine (through /mcp/api)',
    ]);
    expect(Object.keys(document.components?.securitySchemes ?? {}).sort()).toEqual(
      ['apiKey', 'backendToken', 'bearer', 'mcpKey'].sort(),
    );
    expect(document['x-webstream-sources'].iam.status).toBe('built-in');
    expect(document.info.description).toContain('IAM: built into this gateway');
    expect(problemsOf(document)).toEqual([]);
  });

  it('serves the same document as YAML', async () => {
    const { type, text } = await fetchDocument(gateway.url, '/openapi.yaml');
    expect(type).toMatch(/^application\/yaml/);
    expect(text).not.toMatch(/^\s*[^#\n]*[&*]a\d+\b/m);
    const fromYaml = parse(text) as unknown;
    const fromJson = JSON.parse((await fetchDocument(gateway.url)).text) as unknown;
    expect(fromYaml).toEqual(fromJson);
  });

  it('builds once and answers from the cache until it expires', async () => {
    const openApi = gateway.app.get(GatewayOpenApi);
    const before = openApi.builds;
    expect(before).toBeGreaterThanOrEqual(1);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        fetchDocument(gateway.url, i % 2 ? '/openapi.yaml' : '/openapi.json'),
      ),
    );
    expect(answers.every((answer) => answer.text.length > 1000)).toBe(true);
    expect(openApi.builds).toBe(before);
    openApi.expire();
    await fetchDocument(gateway.url);
    await eventually(
      async () => openApi.builds,
      (builds) => builds === before + 1,
    );
    expect(openApi.builds).toBe(before + 1);
    await fetchDocument(gateway.url);
    expect(openApi.builds).toBe(before + 1);
  });

  it("fetches a standalone IAM's specification, and keeps the last good copy, marked, when IAM is gone", async () => {
    const iam = await fakeIam();
    const service = await standalone(iam.url);
    const openApi = service.app.get(GatewayOpenApi);
    const first = JSON.parse((await fetchDocument(service.url)).text) as GatewayOpenApiDocument;
    expect(first['x-webstream-sources'].iam.status).toBe('fetched');
    expect(iam.received.map((request) => request.url)).toEqual(['/iam/openapi.json']);
    const widget = first.paths!['/iam/widgets/{id}']!.get!;
    expect(widget.tags).toEqual(['iam/widgets']);
    // IAM's "bearer" means something else than the gateway's: kept apart, and its operation follows the rename.
    expect(widget.security).toEqual([{ 'iam.bearer': [] }]);
    expect(first.components?.securitySchemes?.['iam.bearer']).toMatchObject({ bearerFormat: 'opaque' });
    expect(first.components?.securitySchemes?.['bearer']).toMatchObject({ bearerFormat: 'JWT' });
    expect(problemsOf(first)).toEqual([]);

    await iam.stop();
    openApi.expire();
    const stale = await eventually(
      async () => JSON.parse((await fetchDocument(service.url)).text) as GatewayOpenApiDocument,
      (document) => document['x-webstream-sources'].iam.status === 'stale',
    );
    expect(stale['x-webstream-sources'].iam).toMatchObject({ status: 'stale', error: 'ECONNREFUSED' });
    expect(stale.info.description).toMatch(/IAM: STALE .* last good copy/);
    expect(Object.keys(stale.paths ?? {})).toContain('/iam/widgets/{id}');
    expect(problemsOf(stale)).toEqual([]);
  });

  it("says so when a standalone IAM's specification was never had", async () => {
    const gone = await new FakeUpstream('gone').start();
    await gone.stop();
    const service = await standalone(gone.url);
    const document = JSON.parse((await fetchDocument(service.url)).text) as GatewayOpenApiDocument;
    expect(document['x-webstream-sources'].iam.status).toBe('missing');
    expect(document.info.description).toMatch(/IAM: MISSING/);
    expect(Object.keys(document.paths ?? {}).some((path) => path.startsWith('/iam/'))).toBe(false);
    expect(Object.keys(document.paths ?? {})).toContain('/gateway/session/select');
  });
});
