import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webstreamConfigSchema } from '@webstream/config';
import { type CreatedApiKey, type TokenResponse } from '@webstream/contracts';
import { createTestDatabase, type TestDatabase } from '@webstream/db/testing';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { call as request } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayModule } from '../src/gateway.module';
import { McpModule } from '../src/mcp/mcp.module';
import { GatewayMetrics, methodLabel } from '../src/observability/gateway-metrics';
import { ObservabilityModule } from '../src/observability/observability.module';
import { FakeUpstream } from './mcp-fake-upstream';

const ADMIN_PASSWORD = 'a long enough passphrase';
const MCP_KEY = randomBytes(24).toString('hex');

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function samplesOf(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function find(samples: Sample[], name: string, labels: Record<string, string>): Sample | undefined {
  return samples.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

const METRICS_TOKEN = 'm'.repeat(32);

describe('the gateway metrics', () => {
  let database: TestDatabase;
  let dir: string;
  let engine: FakeUpstream;
  let gateway: TestService;
  let admin: TokenResponse;

  async function call(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<number> {
    return (await request(gateway.url, method, path, options)).status;
  }

  beforeAll(async () => {
    database = await createTestDatabase('ws_gateway_metrics');
    dir = await mkdtemp(join(tmpdir(), 'ws-gateway-metrics-'));
    engine = await new FakeUpstream('metrics-engine').start();
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      metrics: { bearerToken: METRICS_TOKEN },
      accessManagement: {
        databaseUrl: database.url,
        tokenSigningKey: randomBytes(32).toString('hex'),
        bootstrapAdmin: { password: ADMIN_PASSWORD },
      },
      mcpApiKeys: [{ name: 'assistant', key: MCP_KEY }],
      metricsEngine: { url: engine.url, serviceToken: 's'.repeat(32) },
      gateway: { backend: { token: 'b'.repeat(32) } },
      telemetry: { spoolDir: join(dir, 'spool') },
    });
    gateway = await startTestService({
      module: class ObservabilityTestHost {},
      imports: [GatewayModule.forRoot(config), ObservabilityModule, McpModule],
    });
    const login = await fetch(`${gateway.url}/iam/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    admin = (await login.json()) as TokenResponse;
  });

  afterAll(async () => {
    await gateway?.close();
    await engine?.stop();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('labels methods from a closed list', () => {
    expect(methodLabel('get')).toBe('GET');
    expect(methodLabel('PROPFIND')).toBe('OTHER');
    expect(methodLabel(undefined)).toBe('OTHER');
  });

  it('records requests by what served them and their route template, never a raw path or id', async () => {
    const sessionId = `sess${randomBytes(8).toString('hex')}`;
    const strangePath = `/no/such/${randomBytes(6).toString('hex')}`;
    expect(await call('GET', '/gateway/health')).toBe(200);
    expect(await call('GET', '/gateway/health')).toBe(200);
    expect(await call('DELETE', `/gateway/admin/sessions/${sessionId}`)).toBe(401);
    expect(await call('POST', '/gateway/heartbeat', { body: {} })).toBe(401);
    expect(await call('GET', `/iam/users/${admin.user.id}`, { token: admin.accessToken })).toBe(200);
    expect(
      await call('POST', '/iam/auth/login', { body: { username: 'admin', password: 'not the passphrase' } }),
    ).toBe(401);
    expect(await call('GET', strangePath)).toBe(404);
    expect(await call('GET', '/mcp/api/operations/nodes', { headers: { 'x-mcp-key': MCP_KEY } })).toBe(200);
    expect(await call('GET', '/mcp/api/operations/nodes')).toBe(401);
    expect(
      await call('GET', '/mcp/api/operations/nodes', { headers: { 'x-mcp-key': 'wrong'.repeat(8) } }),
    ).toBe(401);
    const created = await fetch(`${gateway.url}/iam/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` },
      body: JSON.stringify({ name: 'metrics test', scopes: ['mcp', 'iam:read'] }),
    });
    const { key } = (await created.json()) as CreatedApiKey;
    expect(await call('GET', `/mcp/iam/users/${admin.user.id}`, { headers: { 'x-mcp-key': key } })).toBe(200);

    // The data plane reports what it proxies and relays through the same service.
    const metrics = gateway.app.get(GatewayMetrics);
    metrics.observeRequest('session-host', 'GET', '/getConnection', 200, 0.012);
    metrics.connectionOpened('streamer');
    metrics.connectionOpened('streamer');
    metrics.connectionClosed('streamer');
    metrics.authFailure('ws_ticket');

    const response = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const samples = samplesOf(text);
    const requests = 'gateway_requests_total';
    const count = (labels: Record<string, string>) => find(samples, requests, labels)?.value;

    expect(count({ service: 'gateway', method: 'GET', path: '/gateway/health', status: '200' })).toBe(2);
    expect(
      count({
        service: 'gateway',
        method: 'DELETE',
        path: '/gateway/admin/sessions/:sessionId',
        status: '401',
      }),
    ).toBe(1);
    expect(count({ service: 'gateway', method: 'POST', path: '/gateway/heartbeat', status: '401' })).toBe(1);
    expect(count({ service: 'iam', method: 'GET', path: '/iam/users/:id', status: '200' })).toBe(1);
    expect(count({ service: 'iam', method: 'POST', path: '/iam/auth/login', status: '401' })).toBe(1);
    expect(count({ service: 'gateway', method: 'GET', path: 'unmatched', status: '404' })).toBe(1);
    expect(count({ service: 'metrics-engine', method: 'GET', path: '/mcp/api/*', status: '200' })).toBe(1);
    expect(count({ service: 'gateway', method: 'GET', path: '/mcp/api/*', status: '401' })).toBe(2);
    expect(count({ service: 'iam', method: 'GET', path: '/mcp/iam/users/:id', status: '200' })).toBe(1);
    expect(count({ service: 'session-host', method: 'GET', path: '/getConnection', status: '200' })).toBe(1);

    const durations = (labels: Record<string, string>) =>
      find(samples, 'gateway_request_duration_seconds_count', labels)?.value;
    expect(durations({ service: 'gateway', method: 'GET', path: '/gateway/health' })).toBe(2);
    expect(durations({ service: 'metrics-engine', method: 'GET', path: '/mcp/api/*' })).toBe(1);
    expect(
      find(samples, 'gateway_request_duration_seconds_bucket', { path: '/gateway/health', le: '+Inf' }),
    ).toBeTruthy();

    expect(find(samples, 'gateway_active_connections', { service: 'streamer' })?.value).toBe(1);

    const failures = (reason: string) => find(samples, 'gateway_auth_failures_total', { reason })?.value;
    expect(failures('access_token')).toBe(1);
    expect(failures('backend_token')).toBe(1);
    expect(failures('login')).toBe(1);
    expect(failures('mcp_key_missing')).toBe(1);
    expect(failures('mcp_key_invalid')).toBe(1);
    expect(failures('ws_ticket')).toBe(1);

    // Bounded labels: no id, raw path or key made it into a gateway series.
    const gatewayLines = text.split('\n').filter((line) => line.startsWith('gateway_'));
    for (const raw of [sessionId, admin.user.id, strangePath, MCP_KEY, key, '/mcp/api/operations/nodes'])
      expect(gatewayLines.filter((line) => line.includes(raw))).toEqual([]);
    // service-kit's series is still there beside the seed's.
    expect(text).toContain('http_server_request_duration_seconds_bucket');
  });
});
