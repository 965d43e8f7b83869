import { get } from 'node:http';
import {
  adminEngineRoutes,
  operationsNodesRoute,
  resolveEntitlementRoute,
  type TokenResponse,
} from '@webstream/contracts';
import { runWithCorrelationId } from '@webstream/service-kit';
import { type TestService } from '@webstream/service-kit/testing';
import { call, StandIn, StandInSessionHost, until } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIamClient } from '../src/iam-client/http-iam-client';
import { GatewayUnderTest } from './gateway-under-test';

/**
 * A browser that goes away cancels what the gateway was doing for it: the peer the gateway was waiting on sees
 * its request abandoned, instead of working on for nobody.
 */
describe('cancellation', () => {
  let under: GatewayUnderTest;
  let gateway: TestService;
  let admin: TokenResponse;
  const engine = new StandIn().on(operationsNodesRoute, () => ({ fault: 'hang' as const }));
  let host: StandInSessionHost;

  /** Starts GET `path` as the admin, waits until `arrived` holds, then goes away (closes its connection). */
  async function abandon(
    path: string,
    headers: Record<string, string>,
    arrived: () => boolean,
  ): Promise<void> {
    const browser = get(`${gateway.url}${path}`, {
      agent: false,
      headers: { authorization: `Bearer ${admin.accessToken}`, ...headers },
    });
    const outcome = new Promise<string>((resolve) => {
      browser.once('response', (response) => resolve(`answered ${response.statusCode}`));
      browser.once('error', (error) => resolve(error.message));
    });
    await until(`${path} to reach the peer`, arrived);
    browser.destroy(new Error('gone'));
    // Gone before any answer: the gateway had none to give while the peer worked.
    expect(await outcome).toBe('gone');
  }

  beforeAll(async () => {
    under = await GatewayUnderTest.prepare('cancellation');
    await engine.start();
    host = await new StandInSessionHost({ backendToken: under.backendToken }).start();
    gateway = await under.start(under.config({ metricsEngine: { url: engine.url } }));
    const post = async <T>(path: string, body: unknown, headers: Record<string, string> = {}) => {
      const answer = await call<T>(gateway.url, 'POST', path, { body, headers });
      expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
      return answer.body;
    };
    await post('/gateway/register', host.registration(), { 'x-backend-token': under.backendToken });
    const ready = await under.launchable(gateway);
    admin = ready.admin;
    await post('/gateway/session/select', ready.launch, {
      authorization: `Bearer ${admin.accessToken}`,
      'x-session-id': 'admin-cancel-01',
    });
  });

  afterAll(async () => {
    await under?.stop();
    await Promise.all([engine.stop(), host?.stop()]);
  });

  it("aborts the metrics engine's view when the admin console goes away", async () => {
    await abandon(adminEngineRoutes.nodes.path, {}, () => engine.calls(operationsNodesRoute).length > 0);
    await until('the engine to see its request abandoned', () =>
      engine.abandoned.some((request) => request.operationId === operationsNodesRoute.operationId),
    );
  });

  it("aborts the proxied /getConnection's request to the session host when the browser goes away", async () => {
    host.hangConnections = true;
    await abandon('/getConnection', { 'x-session-id': 'admin-cancel-01' }, () => host.connections.length > 0);
    await until('the host to see its request abandoned', () =>
      host.abandoned.includes('getStreamerConnection'),
    );
  });

  it('aborts a call to IAM over HTTP made for a request whose client went away, without opening the circuit', async () => {
    const iam = await new StandIn().on(resolveEntitlementRoute, () => ({ fault: 'hang' as const })).start();
    const client = new HttpIamClient({ url: iam.url, timeoutMs: 60_000, resetTimeoutMs: 60_000 });
    try {
      const query = { accessToken: 'a.b.c', userId: 'u-1', workspaceId: 'w-1', appId: 'a-1' };
      // More than the breaker's volume threshold: cancellations must not count as IAM failing.
      for (let attempt = 1; attempt <= 6; attempt++) {
        const browser = new AbortController();
        const asked = runWithCorrelationId(`cancel-${attempt}`, () => client.resolveEntitlement(query), {
          clientGone: browser.signal,
        });
        await until('IAM to be asked', () => iam.received.length === attempt);
        browser.abort(new Error('the client went away'));
        await expect(asked).rejects.toThrow();
        await until('IAM to see the call abandoned', () => iam.abandoned.length === attempt);
      }
    } finally {
      client.onApplicationShutdown();
      await iam.stop();
    }
  });
});
