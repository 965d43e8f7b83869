import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { type WebstreamConfig } from '@webstream/config';
import { type CreatedApiKey, type ErrorEnvelope, type TokenResponse } from '@webstream/contracts';
import { type TestService } from '@webstream/service-kit/testing';
import { type Answer, call } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpModule } from '../src/mcp/mcp.module';
import { GatewayUnderTest } from './gateway-under-test';
import { FakeUpstream } from './mcp-fake-upstream';

const SERVICE_TOKEN = randomBytes(24).toString('hex');
const MCP_KEY = randomBytes(24).toString('hex');
const OTHER_MCP_KEY = randomBytes(24).toString('hex');
const REPORT_QUERY = 'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z';

/** The status of a GET sent with its path exactly as given. */
function rawStatus(base: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = request({ hostname, port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the MCP proxy', () => {
  let under: GatewayUnderTest;
  let engine: FakeUpstream;
  let gateway: TestService;
  let admin: TokenResponse;
  const upstreams: FakeUpstream[] = [];

  /** Two configured MCP keys, and the engine whose service token the proxy sends. */
  function configFor(overrides: Record<string, unknown> = {}): WebstreamConfig {
    return under.config({
      mcpApiKeys: [
        { name: 'assistant', key: MCP_KEY },
        { name: 'reporting', key: OTHER_MCP_KEY },
      ],
      metricsEngine: { url: engine.url, serviceToken: SERVICE_TOKEN },
      ...overrides,
    });
  }

  function startGateway(config: WebstreamConfig): Promise<TestService> {
    return under.start(config, McpModule);
  }

  async function fakeUpstream(name: string): Promise<FakeUpstream> {
    const upstream = await new FakeUpstream(name).start();
    upstreams.push(upstream);
    return upstream;
  }

  async function createApiKey(name: string, scopes: string[]): Promise<string> {
    const created = await call<CreatedApiKey>(gateway.url, 'POST', '/iam/api-keys', {
      headers: { authorization: `Bearer ${admin.accessToken}` },
      body: { name, scopes },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.key;
  }

  beforeAll(async () => {
    under = await GatewayUnderTest.prepare('mcp');
    engine = await fakeUpstream('metrics-engine');
    gateway = await startGateway(configFor());
    admin = (
      await call<TokenResponse>(gateway.url, 'POST', '/iam/auth/login', {
        body: { username: 'admin', password: under.adminPassword },
      })
    ).body;
  });

  afterAll(async () => {
    await under?.stop();
    for (const upstream of upstreams) await upstream.stop();
  });

  it("gives the admin console the engine's reports with an access token: org admins see their organization only", async () => {
    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    const org = await call<{ id: string }>(gateway.url, 'POST', '/iam/organizations', {
      ...bearer(admin.accessToken),
      body: { name: 'Console Org', slug: 'console-org' },
    });
    expect(org.status).toBe(201);
    const password = 'console admin passphrase';
    for (const [username, role] of [
      ['console-admin', 'org-admin'],
      ['console-user', 'user'],
    ]) {
      const created = await call(gateway.url, 'POST', '/iam/users', {
        ...bearer(admin.accessToken),
        body: { orgId: org.body.id, username, password, role },
      });
      expect(created.status).toBe(201);
    }
    const signIn = async (username: string) =>
      (
        await call<TokenResponse>(gateway.url, 'POST', '/iam/auth/login', {
          body: { username, password, organization: 'console-org' },
        })
      ).body.accessToken;
    const orgAdmin = await signIn('console-admin');
    const user = await signIn('console-user');

    const pinned = await call<{ url: string }>(
      gateway.url,
      'GET',
      `/gateway/admin/reports/usage?${REPORT_QUERY}&orgId=someone-else`,
      bearer(orgAdmin),
    );
    expect(pinned.status).toBe(200);
    const forwarded = new URL(pinned.body.url, 'http://engine');
    expect(forwarded.pathname).toBe('/api/reports/usage');
    expect(forwarded.searchParams.getAll('orgId')).toEqual([org.body.id]);
    expect(engine.last!.headers.authorization).toBe(`Bearer ${SERVICE_TOKEN}`);

    expect((await call(gateway.url, 'GET', '/gateway/admin/operations/nodes', bearer(orgAdmin))).status).toBe(
      403,
    );
    expect((await call(gateway.url, 'GET', '/gateway/admin/audit', bearer(user))).status).toBe(403);
    expect((await call(gateway.url, 'GET', '/gateway/admin/audit')).status).toBe(401);
    const platform = await call<{ url: string }>(
      gateway.url,
      'GET',
      '/gateway/admin/operations/sessions',
      bearer(admin.accessToken),
    );
    expect(platform.status).toBe(200);
    expect(platform.body.url).toBe('/api/operations/sessions');
  });

  it('answers 401 in the error envelope without a key, and forwards nothing', async () => {
    const before = engine.proxied.length;
    const answer = await call<ErrorEnvelope>(gateway.url, 'GET', `/mcp/api/reports/usage?${REPORT_QUERY}`);
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(answer.body.error.message).toMatch(/X-MCP-Key is required/i);
    expect(engine.proxied.length).toBe(before);
  });

  it('answers 401 to a wrong key, and to the service token or an access token in its place', async () => {
    const before = engine.proxied.length;
    for (const key of ['x'.repeat(48), `${MCP_KEY}x`, MCP_KEY.slice(1), SERVICE_TOKEN, admin.accessToken]) {
      const answer = await call<ErrorEnvelope>(gateway.url, 'GET', '/mcp/api/operations/nodes', {
        headers: { 'x-mcp-key': key },
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
    }
    // A bearer token is no MCP credential either.
    const bearer = await call(gateway.url, 'GET', '/mcp/api/operations/nodes', {
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(bearer.status).toBe(401);
    expect(engine.proxied.length).toBe(before);
  });

  it("forwards /mcp/api/* to the engine's /api/* with the service token instead of the client's credentials", async () => {
    const answer = await call<{ url: string }>(gateway.url, 'GET', `/mcp/api/reports/usage?${REPORT_QUERY}`, {
      headers: {
        'x-mcp-key': OTHER_MCP_KEY,
        authorization: 'Bearer the-clients-own-token',
        'x-api-key': 'wsk_notreally',
        cookie: 'session=abc',
        'x-user-id': 'forged',
        'x-forwarded-for': '203.0.113.9',
        'x-correlation-id': 'mcp-test-correlation',
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.url).toBe(`/api/reports/usage?${REPORT_QUERY}`);
    const seen = engine.last!;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe(`/api/reports/usage?${REPORT_QUERY}`);
    expect(seen.headers.authorization).toBe(`Bearer ${SERVICE_TOKEN}`);
    expect(seen.headers['x-mcp-key']).toBeUndefined();
    expect(seen.headers['x-api-key']).toBeUndefined();
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers['x-user-id']).toBeUndefined();
    // The client is not a trusted proxy: what it claims in X-Forwarded-For is replaced by its own address.
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-correlation-id']).toBe('mcp-test-correlation');
    expect(JSON.stringify(seen.headers)).not.toContain(OTHER_MCP_KEY);
  });

  it('forwards a JSON body that the gateway has already parsed, and the answer as the engine gave it', async () => {
    engine.reply = () => ({ status: 207, body: { stored: true, events: 1 } });
    try {
      const batch = { idempotencyKey: 'mcp-test-0001', source: 'assistant', events: [{ kind: 'x' }] };
      const answer = await call(gateway.url, 'POST', '/mcp/api/ingest', {
        headers: { 'x-mcp-key': MCP_KEY },
        body: batch,
      });
      expect(answer.status).toBe(207);
      expect(answer.body).toEqual({ stored: true, events: 1 });
      expect(engine.last!.url).toBe('/api/ingest');
      expect(JSON.parse(engine.last!.body)).toEqual(batch);
      expect(engine.last!.headers['content-length']).toBe(String(Buffer.byteLength(engine.last!.body)));
    } finally {
      engine.reply = (request) => ({ status: 200, body: { url: request.url } });
    }
  });

  it('refuses paths that could climb out of /api once rewritten', async () => {
    const before = engine.proxied.length;
    // Sent as they are: fetch would resolve the dot segments before sending.
    for (const path of [
      '/mcp/api/../gateway/admin/backends',
      '/mcp/api/%2e%2e/gateway/admin/backends',
      '/mcp/iam/.%2E/gateway/admin/backends',
      '/mcp/api/reports%2Fusage',
    ]) {
      expect(await rawStatus(gateway.url, path, { 'x-mcp-key': MCP_KEY }), path).toBe(400);
    }
    expect(engine.proxied.length).toBe(before);
  });

  it('answers 403 to a configured key on /mcp/iam/*: it has no IAM identity', async () => {
    const answer = await call<ErrorEnvelope>(gateway.url, 'GET', '/mcp/iam/users', {
      headers: { 'x-mcp-key': MCP_KEY },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('forbidden');
    expect(answer.body.error.message).toMatch(/IAM API key .*mcp scope/);
  });

  it('lets an IAM API key with the mcp scope reach the in-process /iam/users as that key', async () => {
    const key = await createApiKey('assistant', ['mcp', 'iam:read']);
    const answer = await call<{ items: { username: string }[] }>(
      gateway.url,
      'GET',
      '/mcp/iam/users?pageSize=5',
      {
        headers: { 'x-mcp-key': key, authorization: 'Bearer not-a-token' },
      },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.items.map((user) => user.username)).toContain('admin');
    // IAM's own scopes still apply: iam:read does not allow writing.
    const write = await call<ErrorEnvelope>(gateway.url, 'POST', '/mcp/iam/users', {
      headers: { 'x-mcp-key': key },
      body: { username: 'written-through-mcp', password: 'another long passphrase' },
    });
    expect(write.status).toBe(403);
    expect(write.body.error.message).toMatch(/iam:write/);
    // And unknown IAM paths are IAM's 404s.
    expect(
      (await call(gateway.url, 'GET', '/mcp/iam/nothing-here', { headers: { 'x-mcp-key': key } })).status,
    ).toBe(404);
  });

  it('refuses an IAM API key without the mcp scope, and a revoked or made-up one', async () => {
    const noMcp = await createApiKey('iam only', ['iam:read']);
    const refused = await call<ErrorEnvelope>(gateway.url, 'GET', '/mcp/iam/users', {
      headers: { 'x-mcp-key': noMcp },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/no mcp scope/);
    const madeUp = `wsk_ABCDEFGH_${'a'.repeat(43)}`;
    const unknown = await call<ErrorEnvelope>(gateway.url, 'GET', '/mcp/iam/users', {
      headers: { 'x-mcp-key': madeUp },
    });
    expect(unknown.status).toBe(401);
  });

  it("lets an IAM key with metrics:read read its own organization's reports, and nothing platform-wide", async () => {
    const mcpOnly = await createApiKey('no metrics', ['mcp']);
    const noScope = await call<ErrorEnvelope>(gateway.url, 'GET', `/mcp/api/reports/usage?${REPORT_QUERY}`, {
      headers: { 'x-mcp-key': mcpOnly },
    });
    expect(noScope.status).toBe(403);
    expect(noScope.body.error.message).toMatch(/metrics:read/);

    const reader = await createApiKey('reports', ['mcp', 'metrics:read']);
    const answer = await call(
      gateway.url,
      'GET',
      `/mcp/api/reports/usage?${REPORT_QUERY}&orgId=someone-else`,
      {
        headers: { 'x-mcp-key': reader },
      },
    );
    expect(answer.status).toBe(200);
    const seen = new URL(engine.last!.url, 'http://engine');
    expect(seen.pathname).toBe('/api/reports/usage');
    expect(seen.searchParams.getAll('orgId')).toEqual([admin.user.orgId]);
    expect(engine.last!.headers.authorization).toBe(`Bearer ${SERVICE_TOKEN}`);
    expect(JSON.stringify(engine.last!.headers)).not.toContain(reader);

    const before = engine.proxied.length;
    for (const [method, path] of [
      ['GET', '/mcp/api/operations/nodes'],
      ['POST', '/mcp/api/ingest'],
    ] as const) {
      const platform = await call(gateway.url, method, path, { headers: { 'x-mcp-key': reader } });
      expect(platform.status, path).toBe(403);
    }
    expect(engine.proxied.length).toBe(before);
  });

  it('answers 502 in the error envelope when the engine cannot be reached, then 503 while it keeps failing', async () => {
    const dead = await fakeUpstream('dead engine');
    await dead.stop();
    const service = await startGateway(
      configFor({ metricsEngine: { url: dead.url, serviceToken: SERVICE_TOKEN } }),
    );
    const statuses: number[] = [];
    let last: Answer<ErrorEnvelope> | undefined;
    for (let i = 0; i < 6; i++) {
      last = await call<ErrorEnvelope>(service.url, 'GET', '/mcp/api/operations/nodes', {
        headers: { 'x-mcp-key': MCP_KEY },
      });
      statuses.push(last.status);
      if (i === 0) {
        expect(last.body.error).toMatchObject({ status: 502, code: 'bad_gateway' });
        expect(last.body.error.message).toMatch(/metrics engine could not be reached/);
        expect(last.body.error.correlationId).toBeTruthy();
      }
    }
    expect(statuses).toEqual([502, 502, 502, 502, 502, 503]);
    expect(last!.body.error.code).toBe('service_unavailable');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers 401 to every MCP request when no mcpApiKeys are configured, IAM API keys included', async () => {
    const service = await startGateway(configFor({ mcpApiKeys: [] }));
    const key = await createApiKey('unused', ['mcp', 'iam:read', 'metrics:read']);
    const before = engine.proxied.length;
    for (const [path, header] of [
      ['/mcp/api/operations/nodes', MCP_KEY],
      ['/mcp/api/operations/nodes', key],
      ['/mcp/iam/users', key],
      ['/mcp/iam/users', undefined],
    ] as const) {
      const answer = await call<ErrorEnvelope>(service.url, 'GET', path, {
        headers: header === undefined ? {} : { 'x-mcp-key': header },
      });
      expect(answer.status, path).toBe(401);
      expect(answer.body.error.message).toMatch(/no mcpApiKeys are configured/);
    }
    expect(engine.proxied.length).toBe(before);
  });

  it('forwards /mcp/iam/* over HTTP to a standalone IAM, with the key as X-API-Key', async () => {
    const iam = await fakeUpstream('iam');
    // IAM elsewhere: no database of its own here.
    const service = await startGateway(
      configFor({ accessManagement: { mode: 'standalone', url: iam.url, databaseUrl: undefined } }),
    );
    const key = `wsk_ABCDEFGH_${'b'.repeat(43)}`;
    const answer = await call<{ url: string }>(service.url, 'GET', '/mcp/iam/users?page=2', {
      headers: { 'x-mcp-key': key, authorization: `Bearer ${admin.accessToken}` },
    });
    expect(answer.status).toBe(200);
    expect(iam.last!.url).toBe('/iam/users?page=2');
    expect(iam.last!.headers['x-api-key']).toBe(key);
    expect(iam.last!.headers['x-mcp-key']).toBeUndefined();
    expect(iam.last!.headers.authorization).toBeUndefined();
    // A configured key is still no IAM identity; and without the built-in IAM, IAM keys cannot reach /mcp/api.
    expect(
      (await call(service.url, 'GET', '/mcp/iam/users', { headers: { 'x-mcp-key': MCP_KEY } })).status,
    ).toBe(403);
    expect(
      (await call(service.url, 'GET', '/mcp/api/operations/nodes', { headers: { 'x-mcp-key': key } })).status,
    ).toBe(401);
    const through = await call(service.url, 'GET', '/mcp/api/operations/nodes', {
      headers: { 'x-mcp-key': MCP_KEY },
    });
    expect(through.status).toBe(200);
  });
});
