import { getConnectionRoute, openApiPath, serviceEndpoints } from '@webstream/contracts';
import { type TestService } from '@webstream/service-kit/testing';
import { documentedRoutes, lintOpenApi, servedRoutes, until } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GatewayOpenApi, type GatewayOpenApiDocument } from '../src/openapi/gateway-openapi';
import { GatewayOpenApiModule } from '../src/openapi/gateway-openapi.module';
import { GatewayUnderTest } from './gateway-under-test';
import { FakeUpstream } from './mcp-fake-upstream';

async function fetchDocument(
  base: string,
  path = '/openapi.json',
): Promise<{ type: string | null; text: string }> {
  const response = await fetch(`${base}${path}`);
  expect(response.status).toBe(200);
  return { type: response.headers.get('content-type'), text: await response.text() };
}

describe('the aggregated OpenAPI document', () => {
  let under: GatewayUnderTest;
  let gateway: TestService;
  const upstreams: FakeUpstream[] = [];

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
              info: { title: 'IAM', version: '9.9.9', description: 'A stand-in' },
              servers: [{ url: '/' }],
              tags: [{ name: 'widgets', description: 'Widgets' }],
              components: {
                // Same name as the gateway's scheme, another meaning: must be renamed, not overwritten.
                securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'opaque' } },
                schemas: { Widget: { type: 'object', properties: { id: { type: 'string' } } } },
              },
              paths: {
                '/iam/widgets/{id}': {
                  get: {
                    operationId: 'getWidget',
                    summary: 'A widget',
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
    return under.start(
      under.config({ accessManagement: { mode: 'standalone', url: iamUrl, databaseUrl: undefined } }),
      GatewayOpenApiModule,
    );
  }

  beforeAll(async () => {
    under = await GatewayUnderTest.prepare('openapi');
    gateway = await under.start(under.config(), GatewayOpenApiModule);
  });

  afterAll(async () => {
    await under?.stop();
    for (const upstream of upstreams) await upstream.stop();
  });

  it("serves the gateway's, IAM's and the metrics engine's paths in one OpenAPI 3.1 document", async () => {
    const { type, text } = await fetchDocument(gateway.url);
    expect(type).toMatch(/^application\/json/);
    const document = JSON.parse(text) as GatewayOpenApiDocument;
    expect(document.openapi).toBe('3.1.0');
    // Every route the gateway serves, IAM's built in, /getConnection (which the data plane takes before Express)
    // and the metrics engine's through the MCP proxy: no more.
    const dataPlane = `${getConnectionRoute.method} ${getConnectionRoute.path}`;
    const engineThroughProxy = serviceEndpoints['metrics-engine']
      .filter((endpoint) => endpoint.path.startsWith('/api/'))
      .map((endpoint) => `${endpoint.method} /mcp${openApiPath(endpoint.path)}`);
    expect(documentedRoutes(document)).toEqual(
      [...servedRoutes(gateway.app), dataPlane, ...engineThroughProxy].sort(),
    );
    const paths = Object.keys(document.paths ?? {});
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
      ['apiKey', 'backendToken', 'bearer', 'mcpKey', 'metricsToken'].sort(),
    );
    expect(document['x-webstream-sources'].iam.status).toBe('built-in');
    expect(document.info.description).toContain('IAM: built into this gateway');
    expect(await lintOpenApi(document)).toEqual([]);
  });

  it('serves the same document as YAML, the committed one', async () => {
    const { type, text } = await fetchDocument(gateway.url, '/openapi.yaml');
    expect(type).toMatch(/^application\/yaml/);
    expect(text).not.toMatch(/^\s*[^#\n]*[&*]a\d+\b/m);
    const fromYaml = parse(text) as unknown;
    const fromJson = JSON.parse((await fetchDocument(gateway.url)).text) as unknown;
    expect(fromYaml).toEqual(fromJson);
    await expect(text).toMatchFileSnapshot('../../../docs/api/gateway.openapi.yaml');
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
    await until('the document to be built again', () => openApi.builds === before + 1);
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
    // Fetched once (the gateway's health checks ask IAM's readiness besides).
    expect(iam.received.map((request) => request.url).filter((url) => url !== '/health/ready')).toEqual([
      '/iam/openapi.json',
    ]);
    const widget = first.paths!['/iam/widgets/{id}']!.get!;
    expect(widget.tags).toEqual(['iam/widgets']);
    // IAM's "bearer" means something else than the gateway's: kept apart, and its operation follows the rename.
    expect(widget.security).toEqual([{ 'iam.bearer': [] }]);
    expect(first.components?.securitySchemes?.['iam.bearer']).toMatchObject({ bearerFormat: 'opaque' });
    expect(first.components?.securitySchemes?.['bearer']).toMatchObject({ bearerFormat: 'JWT' });
    expect(await lintOpenApi(first)).toEqual([]);

    await iam.stop();
    openApi.expire();
    const stale = await until('the document to say IAM is stale', async () => {
      const document = JSON.parse((await fetchDocument(service.url)).text) as GatewayOpenApiDocument;
      return document['x-webstream-sources'].iam.status === 'stale' && document;
    });
    // Refused, or reset where a kept-alive connection to the old IAM was reused.
    expect(stale['x-webstream-sources'].iam).toMatchObject({
      status: 'stale',
      error: expect.stringMatching(/^ECONN(REFUSED|RESET)$/),
    });
    expect(stale.info.description).toMatch(/IAM: STALE .* last good copy/);
    expect(Object.keys(stale.paths ?? {})).toContain('/iam/widgets/{id}');
    expect(await lintOpenApi(stale)).toEqual([]);
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
