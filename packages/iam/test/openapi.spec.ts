import { type INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath } from '../src/openapi/iam-openapi';
import { call, type IamFixture, startIamFixture } from './iam-harness';

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** The routes Express really has, as "METHOD /path" in OpenAPI's notation. */
function mappedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
  return express.router.stack.flatMap((layer) =>
    layer.route === undefined
      ? []
      : Object.keys(layer.route.methods).map(
          (method) => `${method.toUpperCase()} ${openApiPath(layer.route!.path)}`,
        ),
  );
}

describe('the IAM OpenAPI document', () => {
  let fixture: IamFixture;

  beforeAll(async () => {
    fixture = await startIamFixture('ws_iam_openapi');
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('is OpenAPI 3.1 and describes exactly the /iam routes the module serves', async () => {
    const answer = await call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      fixture.iam.url,
      'GET',
      '/iam/openapi.json',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe('3.1.0');
    const documented = Object.entries(answer.body.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    const served = mappedRoutes(fixture.iam.service.app)
      .filter((route) => route.includes(' /iam/') && route !== 'GET /iam/openapi.json')
      .sort();
    expect(served.length).toBeGreaterThan(40);
    expect(documented).toEqual(served);
  });

  it('describes bodies and answers from the zod contracts', async () => {
    const answer = await call<{
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    }>(fixture.iam.url, 'GET', '/iam/openapi.json');
    const createUser = answer.body.paths['/iam/users']!['post']!;
    expect(JSON.stringify(createUser.requestBody)).toContain('"password"');
    expect(Object.keys(createUser.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '409']),
    );
    expect(JSON.stringify(answer.body.paths['/iam/entitlements/resolve'])).toContain('app-not-in-workspace');
  });
});
