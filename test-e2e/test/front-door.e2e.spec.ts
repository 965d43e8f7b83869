import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { closeCodes } from '@webstream/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { until } from '@webstream/testing';
import { type AllInOne, startAllInOne } from '../src/all-in-one';
import { gatewayCall, signIn, UserSession } from '../src/user-session';

// The findings of the front door's hostile probes, each held through the real gateway of `webstream all`: the
// headers the web client is served with, /metrics on the browsers' port, a control message past the limit,
// and a user disabled while their session streams.
describe('the front door of the proof of concept', () => {
  let stack: AllInOne;
  let adminToken: string;

  beforeAll(async () => {
    stack = await startAllInOne('front-door');
    adminToken = await signIn(stack.gatewayUrl, 'admin', stack.passwordOf('admin'));
  });

  afterAll(() => stack?.stop());

  /** A user of the demo organization, entitled to the demo workspace, and their password. */
  async function newDemoUser(username: string): Promise<{ id: string; password: string }> {
    const demoToken = await signIn(stack.gatewayUrl, 'demo', stack.passwordOf('demo'));
    const [demo] = (
      await gatewayCall<{ items: { orgId: string }[] }>(
        stack.gatewayUrl,
        'GET',
        '/iam/users?q=demo',
        adminToken,
      )
    ).items;
    const password = `Pw-${randomBytes(12).toString('base64url')}`;
    const user = await gatewayCall<{ id: string }>(stack.gatewayUrl, 'POST', '/iam/users', adminToken, {
      body: { orgId: demo!.orgId, username, password },
      status: 201,
    });
    const [workspace] = (
      await gatewayCall<{ items: { id: string }[] }>(stack.gatewayUrl, 'GET', '/iam/me/workspaces', demoToken)
    ).items;
    await gatewayCall(stack.gatewayUrl, 'POST', '/iam/entitlements', adminToken, {
      body: { workspaceId: workspace!.id, userId: user.id },
      status: 201,
    });
    return { id: user.id, password };
  }

  it('serves the web client with a strict CSP and the other security headers, and no X-Powered-By', async () => {
    for (const path of ['/', '/admin/users', '/iam/auth/login']) {
      const response = await fetch(`${stack.gatewayUrl}${path}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('x-powered-by'), path).toBeNull();
    }
  });

  it('never serves /metrics on the browsers’ port without the bearer token', async () => {
    const anonymous = await fetch(`${stack.gatewayUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toMatch(/gateway_|licence/);
    // A signed-in administrator's token is not Prometheus's.
    const admin = await fetch(`${stack.gatewayUrl}/metrics`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(admin.status).toBe(401);
    const token = (await readFile(join(stack.dir, '.data', 'metrics-bearer-token'), 'utf8')).trim();
    const scraped = await fetch(`${stack.gatewayUrl}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('service="gateway"');
  });

  it('closes a control socket that sends 18 MB with 1009, drops it from the list, and the session goes on', async () => {
    const user = await newDemoUser('oversize');
    const token = await signIn(stack.gatewayUrl, 'oversize', user.password);
    const session = await UserSession.launch(stack.gatewayUrl, token, stack.run.output);
    const ending = new Promise<{ code: number; reason: string }>((resolve) =>
      session.control.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    session.control.send(JSON.stringify({ type: 'clipboard', text: 'x'.repeat(18 * 1024 * 1024) }));
    expect(await ending).toEqual({
      code: closeCodes.MESSAGE_TOO_BIG.code,
      reason: closeCodes.MESSAGE_TOO_BIG.reason,
    });
    const listed = async () =>
      (
        await gatewayCall<{ items: { sessionId: string; publicPath: string }[] }>(
          stack.gatewayUrl,
          'GET',
          '/gateway/admin/websockets',
          adminToken,
        )
      ).items.filter((item) => item.sessionId === session.sessionId);
    await until(
      'the control socket to leave the list',
      async () => {
        const sockets = await listed();
        return sockets.every((item) => item.publicPath !== '/control') ? true : undefined;
      },
      10_000,
    );
    // The offending socket alone is closed: the session and its picture's socket go on.
    await new Promise((done) => setTimeout(done, 1_000));
    expect(session.capture.readyState).toBe(WebSocket.OPEN);
    expect(await session.status()).toMatchObject({ state: 'active' });
    await session.release();
    await until(
      'nothing of the session to be listed',
      async () => ((await listed()).length === 0 ? true : undefined),
      10_000,
    );
  });

  it('ends the running session of a user who is disabled, and refuses them tickets from then on', async () => {
    const user = await newDemoUser('disabled');
    const token = await signIn(stack.gatewayUrl, 'disabled', user.password);
    const session = await UserSession.launch(stack.gatewayUrl, token, stack.run.output);
    const ending = new Promise<{ code: number; reason: string }>((resolve) =>
      session.capture.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    await gatewayCall(stack.gatewayUrl, 'PATCH', `/iam/users/${user.id}`, adminToken, {
      body: { disabled: true },
    });
    const disabledAt = Date.now();
    expect(await ending).toEqual({
      code: closeCodes.ADMIN_DISCONNECT.code,
      reason: closeCodes.ADMIN_DISCONNECT.reason,
    });
    // Within 2 s is the behaviour under test; the margin is for a loaded machine.
    expect(Date.now() - disabledAt).toBeLessThan(10_000);
    const again = await fetch(`${stack.gatewayUrl}/getConnection`, {
      headers: { authorization: `Bearer ${token}`, 'x-session-id': session.sessionId },
    });
    expect(again.status).toBe(401);
    const status = await fetch(`${stack.gatewayUrl}/gateway/session/status`, {
      headers: { authorization: `Bearer ${token}`, 'x-session-id': session.sessionId },
    });
    expect(status.status).toBe(401);
  });
});
