import { describe, expect, it } from 'vitest';
import { backendHealthAnswer, documentedRoutes, lintOpenApi } from '../src';

const document = {
  openapi: '3.1.0',
  info: { title: 'A service', version: '1.0.0', description: 'For the checks' },
  servers: [{ url: '/' }],
  tags: [{ name: 'things', description: 'Things' }],
  security: [],
  paths: {
    '/things/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        operationId: 'getThing',
        summary: 'A thing',
        tags: ['things'],
        responses: { '200': { description: 'OK' }, '404': { description: 'No such thing' } },
      },
      delete: {
        operationId: 'deleteThing',
        summary: 'Delete a thing',
        tags: ['things'],
        responses: { '204': { description: 'Done' }, '404': { description: 'No such thing' } },
      },
    },
  },
};

describe('the OpenAPI checks', () => {
  it('lists the operations a document describes, as METHOD /path', () => {
    expect(documentedRoutes(document)).toEqual(['DELETE /things/{id}', 'GET /things/{id}']);
  });

  it('lints a sound document clean, and names the rule a broken one breaks', async () => {
    expect(await lintOpenApi(document)).toEqual([]);
    const withoutIds = structuredClone(document);
    delete (withoutIds.paths['/things/{id}'].get as { operationId?: string }).operationId;
    withoutIds.servers = [];
    const rules = (await lintOpenApi(withoutIds)).map((problem) => problem.rule);
    expect(rules).toEqual(expect.arrayContaining(['operation-operationId', 'no-empty-servers']));
  });

  it("answers a session host's /health only in the contract's shape", () => {
    expect(backendHealthAnswer({ status: 'degraded', problems: ['full'] })).toMatchObject({
      status: 'degraded',
      problems: ['full'],
    });
    expect(() => backendHealthAnswer({ maxSessions: 0 })).toThrow(/maxSessions/);
  });
});
