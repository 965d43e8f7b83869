import { documentedRoutes, lintOpenApi, servedRoutes } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '@webstream/testing';
import { type IamFixture, startIamFixture } from './iam-harness';

describe('the IAM OpenAPI document', () => {
  let fixture: IamFixture;

  beforeAll(async () => {
    fixture = await startIamFixture('ws_iam_openapi');
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('is OpenAPI 3.1, describes exactly the /iam routes the module serves and lints clean', async () => {
    const answer = await call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      fixture.iam.url,
      'GET',
      '/iam/openapi.json',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe('3.1.0');
    const served = servedRoutes(fixture.iam.service.app).filter((route) => route.includes(' /iam/'));
    expect(served.length).toBeGreaterThan(40);
    expect(documentedRoutes(answer.body)).toEqual(served);
    expect(await lintOpenApi(answer.body)).toEqual([]);
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
