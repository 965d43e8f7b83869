import { MatchersV3 } from '@pact-foundation/pact';
import {
  adminEngineRoutes,
  auditSearchRoute,
  operationsNodesRoute,
  usageReportRoute,
} from '@webstream/contracts';
import { createHttpClient, EndpointClient } from '@webstream/service-kit';
import { consumerPact } from '@webstream/testing/contracts';
import { describe, expect, it } from 'vitest';

const { like, regex } = MatchersV3;

const SERVICE_TOKEN = 'service-token-'.padEnd(40, 'y');
const serviceToken = { authorization: regex(/^Bearer .{32,}$/, `Bearer ${SERVICE_TOKEN}`) };

/**
 * The engine's routes the gateway calls on its own behalf: the admin console's views (adminEngineRoutes, each
 * answered by its engine route) and the MCP proxy's /mcp/api/*, both with the gateway's service credential.
 */
describe('pact: gateway (admin views, MCP proxy) → metrics engine', () => {
  const contract = consumerPact('gateway', 'metrics-engine');
  const engineAt = (url: string) =>
    new EndpointClient(
      createHttpClient({
        baseURL: url,
        timeout: 5_000,
        headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
      }),
    );

  it('reads the live nodes for the operations view', () => {
    expect(adminEngineRoutes.nodes.engine).toBe(operationsNodesRoute);
    return contract.pact
      .addInteraction()
      .given('no node has reported')
      .uponReceiving('the live nodes')
      .withRequest('GET', operationsNodesRoute.path, (request) => request.headers(serviceToken))
      .willRespondWith(200, (response) => response.jsonBody({ nodes: [] }))
      .executeTest(async (mock) => {
        expect(await engineAt(mock.url).call(operationsNodesRoute, {})).toEqual({ nodes: [] });
      });
  });

  it("reads an organization's usage report", () => {
    expect(adminEngineRoutes.usage.engine).toBe(usageReportRoute);
    const query = {
      from: '2026-12-01T00:00:00.000Z',
      to: '2026-12-02T00:00:00.000Z',
      period: 'day',
      groupBy: 'user',
      orgId: 'org-pact',
    } as const;
    return contract.pact
      .addInteraction()
      .given('no node has reported')
      .uponReceiving("an organization's usage by user per day, of a day without sessions")
      .withRequest('GET', usageReportRoute.path, (request) => request.headers(serviceToken).query(query))
      .willRespondWith(200, (response) => response.jsonBody({ rows: [] }))
      .executeTest(async (mock) => {
        expect(await engineAt(mock.url).call(usageReportRoute, { query })).toEqual({ rows: [] });
      });
  });

  it('hears 400 naming the parameter of a malformed audit search', () =>
    contract.pact
      .addInteraction()
      .given('no node has reported')
      .uponReceiving('an audit search with a limit over the cap')
      .withRequest('GET', auditSearchRoute.path, (request) =>
        request.headers(serviceToken).query({ limit: '5000' }),
      )
      .willRespondWith(400, (response) =>
        response.jsonBody({
          error: like({
            status: 400,
            code: 'validation_failed',
            message: 'query.limit: Too big',
            fields: [{ path: 'query.limit', message: like('Too big: expected number to be <=500') }],
          }),
        }),
      )
      .executeTest(async (mock) => {
        // The MCP proxy forwards what its client sent, as it is: the engine's 400 names the parameter.
        const raw = await fetch(`${mock.url}${auditSearchRoute.path}?limit=5000`, {
          headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
        });
        expect(raw.status).toBe(400);
      }));

  it('writes the pact metrics-engine verifies, and it is the committed one', () => contract.isCommitted());
});
