import { randomBytes } from 'node:crypto';
import { ServiceUnavailableException } from '@nestjs/common';
import { webstreamConfigSchema } from '@webstream/config';
import { GATEWAY_HEALTH_BODY, type TokenResponse } from '@webstream/contracts';
import { IamModule } from '@webstream/iam';
import { ServiceKitModule } from '@webstream/service-kit';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayModule } from '../src/gateway.module';
import { HttpIamClient } from '../src/iam-client/http-iam-client';
import { IamClient } from '../src/iam-client/iam-client';
import { InProcessIamClient } from '../src/iam-client/in-process-iam-client';
import { GatewayUnderTest } from './gateway-under-test';

async function post<T>(url: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

describe('the gateway app', () => {
  let under: GatewayUnderTest;
  let builtin: TestService;
  let admin: TokenResponse;
  let workspace: { id: string; appId: string };

  beforeAll(async () => {
    under = await GatewayUnderTest.prepare('app');
    builtin = await under.start(under.config({ accessManagement: { mode: 'builtin' } }));
    admin = await post<TokenResponse>(`${builtin.url}/iam/auth/login`, {
      username: 'admin',
      password: under.adminPassword,
    });
    const app = await post<{ id: string }>(
      `${builtin.url}/iam/applications`,
      { name: 'Calc', exe: 'xcalc' },
      admin.accessToken,
    );
    const created = await post<{ id: string }>(
      `${builtin.url}/iam/workspaces`,
      { name: 'Office', applicationIds: [app.id] },
      admin.accessToken,
    );
    await post(
      `${builtin.url}/iam/entitlements`,
      { workspaceId: created.id, userId: admin.user.id },
      admin.accessToken,
    );
    workspace = { id: created.id, appId: app.id };
  });

  afterAll(async () => {
    await under?.stop();
  });

  /** IAM on its own (webstream -am) on the same database, and a gateway that asks it over HTTP. */
  async function startStandalone(): Promise<{ iam: TestService; gateway: TestService }> {
    const iamConfig = under.config({ accessManagement: { mode: 'standalone', url: 'http://127.0.0.1:9' } });
    const iam = await startTestService({
      module: class StandaloneIam {},
      imports: [
        ServiceKitModule.forRoot({ service: 'iam', config: iamConfig }),
        IamModule.forRoot(iamConfig),
      ],
    });
    const gateway = await under.start(
      under.config({ accessManagement: { mode: 'standalone', url: iam.url, databaseUrl: undefined } }),
    );
    return { iam, gateway };
  }

  it('mounts the built-in IAM on its migrated database and is ready', async () => {
    const ready = await fetch(`${builtin.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ info: { 'iam-database': { status: 'up' } } });
  });

  it('answers the seed plain-text liveness probe for load balancers', async () => {
    const response = await fetch(`${builtin.url}/gateway/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(GATEWAY_HEALTH_BODY);
  });

  it('serves the browser client at / and at its deep links, and never in place of an API answer', async () => {
    for (const path of ['/', '/admin/users', '/session/abc-12345678']) {
      const page = await fetch(`${builtin.url}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(await page.text()).toContain('<div id="root"></div>');
    }
    const html = await (await fetch(`${builtin.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${builtin.url}${script!}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${builtin.url}/`, { method: 'HEAD' })).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/no/such/page'],
      ['GET', '/assets'],
      ['POST', '/'],
    ] as const) {
      const missing = await fetch(`${builtin.url}${path}`, { method });
      expect(missing.status, `${method} ${path}`).toBe(404);
      expect(missing.headers.get('content-type'), `${method} ${path}`).toMatch(/^application\/json/);
    }
    for (const path of ['/iam/nothing-here', '/gateway/nothing-here', '/getConnection']) {
      const api = await fetch(`${builtin.url}${path}`);
      expect(api.status, path).not.toBe(200);
      expect(api.headers.get('content-type'), path).toMatch(/^application\/json/);
    }
  });

  it('asks the in-process IAM in builtin mode', async () => {
    const client = builtin.app.get(IamClient);
    expect(client).toBeInstanceOf(InProcessIamClient);
    const resolution = await client.resolveEntitlement({
      accessToken: admin.accessToken,
      userId: admin.user.id,
      workspaceId: workspace.id,
      appId: workspace.appId,
    });
    expect(resolution).toMatchObject({
      entitled: true,
      contract: { appExe: 'xcalc', workspaceName: 'Office' },
    });
  });

  it('asks IAM over HTTP in standalone mode, and answers 503 at once when IAM is gone', async () => {
    const { iam, gateway } = await startStandalone();
    try {
      // No IAM routes in this gateway: they live in the IAM service.
      expect((await fetch(`${gateway.url}/iam/me`)).status).toBe(404);
      const client = gateway.app.get(IamClient);
      expect(client).toBeInstanceOf(HttpIamClient);
      const query = {
        accessToken: admin.accessToken,
        userId: admin.user.id,
        workspaceId: workspace.id,
        appId: workspace.appId,
      };
      expect(await client.resolveEntitlement(query)).toEqual(
        await builtin.app.get(IamClient).resolveEntitlement(query),
      );
      await expect(
        client.resolveEntitlement({ ...query, accessToken: 'forged.token.here' }),
      ).rejects.toMatchObject({
        status: 401,
      });
      await iam.close();
      await expect(client.resolveEntitlement(query)).rejects.toBeInstanceOf(ServiceUnavailableException);
    } finally {
      await gateway.close();
      await iam.close().catch(() => undefined);
    }
  });

  it('in standalone mode stops honouring a token within 2 s of its user being disabled, and answers 503 without IAM', async () => {
    const { iam, gateway } = await startStandalone();
    try {
      const username = `revoked-${randomBytes(4).toString('hex')}`;
      const password = 'another long enough passphrase';
      const user = await post<{ id: string }>(
        `${iam.url}/iam/users`,
        { username, password },
        admin.accessToken,
      );
      const signedIn = await post<TokenResponse>(`${iam.url}/iam/auth/login`, { username, password });
      const status = () =>
        fetch(`${gateway.url}/gateway/session/status`, {
          headers: { authorization: `Bearer ${signedIn.accessToken}`, 'x-session-id': 'revoked-session-1' },
        });
      expect((await status()).status).toBe(200);

      const disable = await fetch(`${iam.url}/iam/users/${user.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` },
        body: JSON.stringify({ disabled: true }),
      });
      expect(disable.status).toBe(200);
      const disabledAt = Date.now();
      let answer = await status();
      while (answer.status === 200 && Date.now() - disabledAt < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await status();
      }
      expect(answer.status).toBe(401);
      // How soon is the behaviour under test (2 s: the gateway caches IAM's answer for one), with a wide
      // margin for a loaded machine.
      expect(Date.now() - disabledAt).toBeLessThan(6_000);

      // IAM gone: a token it cannot vouch for is not honoured unchecked.
      await iam.close();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const unchecked = await fetch(`${gateway.url}/gateway/session/status`, {
        headers: { authorization: `Bearer ${admin.accessToken}`, 'x-session-id': 'revoked-session-2' },
      });
      expect(unchecked.status).toBe(503);
    } finally {
      await gateway.close();
      await iam.close().catch(() => undefined);
    }
  });

  it('refuses to start without the settings it needs, naming the key', () => {
    const base = { tokenSigningKey: 'k'.repeat(32) };
    const withToken = (access: Record<string, unknown>, backendToken: string | null = 'b'.repeat(32)) =>
      webstreamConfigSchema.parse({
        accessManagement: access,
        metricsEngine: { serviceToken: 's'.repeat(32) },
        gateway: { backend: { token: backendToken ?? undefined } },
      });
    expect(() => GatewayModule.forRoot(withToken({ mode: 'builtin', ...base }, null))).toThrow(
      /gateway\.backend\.token is not set/,
    );
    expect(() => GatewayModule.forRoot(withToken({ mode: 'builtin', ...base }))).toThrow(
      /accessManagement\.databaseUrl is not set/,
    );
    expect(() =>
      GatewayModule.forRoot(withToken({ mode: 'external', url: 'http://iam.internal:8090' })),
    ).toThrow(/accessManagement\.tokenSigningKey is not set/);
    const redirect = webstreamConfigSchema.parse({
      accessManagement: { mode: 'builtin', databaseUrl: 'postgresql://localhost/iam', ...base },
      metricsEngine: { serviceToken: 's'.repeat(32) },
      gateway: { topology: 'redirect', backend: { token: 'b'.repeat(32) } },
    });
    expect(() => GatewayModule.forRoot(redirect)).toThrow(/gateway\.publicUrl is not set/);
  });
});
