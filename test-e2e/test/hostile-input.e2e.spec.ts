import { Agent, request } from 'node:http';
import { errorEnvelopeSchema, getConnectionRoute, hostSessionEndRoute } from '@webstream/contracts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AllInOne, startAllInOne } from '../src/all-in-one';
import { RESOURCES } from '../src/iam-api-suite';
import { signIn } from '../src/user-session';

interface Operation {
  method: string;
  /** An OpenAPI path template: /iam/users/{id}. */
  path: string;
}

interface Hostile {
  /** What the body is: parse errors must never be a 404 or a 5xx. */
  kind: 'malformed' | 'not-an-object' | 'hostile-strings' | 'no-json-type';
  body: string;
  contentType: string | undefined;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** Strings no service may take: a NUL, or half a surrogate pair. */
const hostileText = fc.oneof(
  fc.string().map((text) => `${text}\u0000${text}`),
  fc.string().map((text) => `${text}\uD800`),
  fc.string().map((text) => `\uDC00${text}`),
  fc.constantFrom('\u0000', '\uDBFF', 'a\u0000'.repeat(50)),
);

/** Strings that are valid text but mean harm where they are pasted unescaped: paths and queries get them. */
const nastyText = fc.oneof(
  hostileText,
  fc.constantFrom(
    '%00',
    '../../etc/passwd',
    "'; DROP TABLE users; --",
    '<script>alert(1)</script>',
    '${jndi:x}',
  ),
);

/** A JSON object with a hostile string somewhere inside it. */
const hostileJson = fc
  .tuple(
    fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })),
    fc.string({ maxLength: 12 }),
    hostileText,
  )
  .map(([object, key, text]) => JSON.stringify({ ...object, [key]: [text] }));

const hostileBody: fc.Arbitrary<Hostile> = fc.oneof(
  fc
    .jsonValue({ maxDepth: 2 })
    .map((value) => JSON.stringify({ value }))
    .chain((text) => fc.nat(Math.max(0, text.length - 2)).map((cut) => text.slice(0, cut + 1)))
    .map((body) => ({ kind: 'malformed' as const, body, contentType: 'application/json' })),
  fc
    .constantFrom('{"a":1,}', '{', '[', '{"a" 1}', "{'a':1}", 'undefined', '{"a":01}')
    .map((body) => ({ kind: 'malformed' as const, body, contentType: 'application/json' })),
  fc
    .constantFrom('null', '42', '"text"', 'true', ' false ')
    .map((body) => ({ kind: 'not-an-object' as const, body, contentType: 'application/json' })),
  hostileJson.map((body) => ({ kind: 'hostile-strings' as const, body, contentType: 'application/json' })),
  fc
    .tuple(
      hostileJson,
      fc.constantFrom(
        undefined,
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
      ),
    )
    .map(([body, contentType]) => ({ kind: 'no-json-type' as const, body, contentType })),
);

/** Path parameters: ids that do not exist, and text that is no id at all. */
const pathValue = fc.oneof(
  fc.uuid(),
  nastyText.map((text) => encodeText(text)),
  fc.constantFrom('%00', '%ZZ', '..', '%2e%2e%2f', 'x'.repeat(300)),
);

const queryString = fc
  .array(
    fc.tuple(
      fc.constantFrom('q', 'page', 'pageSize', 'orgId', 'from', 'to', 'workspaceId', 'x'),
      fc.oneof(fc.string(), nastyText),
    ),
    {
      maxLength: 3,
    },
  )
  .map((pairs) => pairs.map(([key, value]) => `${key}=${encodeText(value)}`).join('&'));

/**
 * Percent-encoding, for text that may hold half a surrogate pair: a URL carries UTF-8, which has no way to say
 * one (JSON bodies do, as \\ud800), so it goes as U+FFFD.
 */
function encodeText(text: string): string {
  return encodeURIComponent(
    text.replace(/[\uD800-\uDFFF]/g, (unit, offset: number, whole: string) => {
      const pairStart = unit <= '\uDBFF' && /[\uDC00-\uDFFF]/.test(whole[offset + 1] ?? '');
      const pairEnd = unit >= '\uDC00' && /[\uD800-\uDBFF]/.test(whole[offset - 1] ?? '');
      return pairStart || pairEnd ? unit : '\uFFFD';
    }),
  );
}

/** Keep-alive, as browsers are: a server that answers before a body is in keeps reading it, not resetting. */
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method,
        agent,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            body: text,
          }),
        );
      },
    );
    req.on('error', (error) => reject(new Error(`${method} ${path}: ${error.message}`)));
    req.end(body);
  });
}

function fill(template: string, value: string): string {
  return template.replace(/\{[^}]+\}/g, value);
}

/** An error answer is the envelope, whatever went wrong. */
function expectEnvelope(answer: Answer, what: string): void {
  expect(answer.contentType, what).toMatch(/^application\/json/);
  const parsed = errorEnvelopeSchema.safeParse(JSON.parse(answer.body));
  expect(parsed.success, `${what}: ${answer.body.slice(0, 300)}`).toBe(true);
  expect(parsed.data?.error.status, what).toBe(answer.status);
}

// Every route of every service's OpenAPI document (the gateway's, which holds IAM's and the metrics engine's),
// and the session host's, given generated hostile bodies, paths and query strings, signed in as the platform
// administrator so that nothing stops a request before its body is read.
describe('hostile input at every route', () => {
  let stack: AllInOne;
  let token: string;
  let operations: Operation[];

  beforeAll(async () => {
    stack = await startAllInOne('hostile', { WEBSTREAM__GATEWAY__RATELIMITS__ENABLED: 'false' });
    token = await signIn(stack.gatewayUrl, 'admin', stack.passwordOf('admin'));
    const document = (await (await fetch(`${stack.gatewayUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => ({ method: method.toUpperCase(), path })),
    );
  });

  afterAll(async () => {
    agent.destroy();
    await stack?.stop();
  });

  /** What an administrator sees of every collection: none of the hostile requests may add to it. */
  async function stored(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const resource of RESOURCES) {
      const answer = await fetch(`${stack.gatewayUrl}/iam/${resource}?pageSize=1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(answer.status, resource).toBe(200);
      counts[resource] = ((await answer.json()) as { total: number }).total;
    }
    return counts;
  }

  it('finds the routes to try in the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.some((operation) => operation.path.startsWith('/iam/'))).toBe(true);
    expect(operations.some((operation) => operation.path.startsWith('/gateway/'))).toBe(true);
    expect(operations.some((operation) => operation.path.startsWith('/mcp/api/'))).toBe(true);
  });

  it('never answers a 5xx, a 404 for a body it could not read, or anything but the envelope; and stores nothing', async () => {
    const before = await stored();
    const withBodies = operations.filter((operation) =>
      ['POST', 'PUT', 'PATCH', 'DELETE'].includes(operation.method),
    );
    const session = getConnectionRoute.path;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...withBodies),
        hostileBody,
        pathValue,
        queryString,
        fc.boolean(),
        async (operation, hostile, id, query, signedIn) => {
          const path = `${fill(operation.path, id)}${query === '' ? '' : `?${query}`}`;
          const headers: Record<string, string> = {
            ...(hostile.contentType === undefined ? {} : { 'content-type': hostile.contentType }),
            ...(signedIn ? { authorization: `Bearer ${token}` } : {}),
            'x-session-id': 'hostile-12345678',
          };
          const answer = await send(stack.gatewayUrl, operation.method, path, headers, hostile.body);
          const what = `${operation.method} ${path} (${hostile.kind}) → ${answer.status}`;
          expect(answer.status, what).toBeLessThan(500);
          expect(answer.status, what).toBeGreaterThanOrEqual(400);
          expectEnvelope(answer, what);
          // A body that cannot be read is the request's fault, whatever the route: never "no such route".
          expect(answer.status, what).not.toBe(404);
        },
      ),
      { numRuns: 1000 },
    );
    // Bodies on routes that take none, and hostile query strings everywhere.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations),
        pathValue,
        queryString,
        hostileBody,
        async (operation, id, query, hostile) => {
          const path = `${fill(operation.path, id)}?${query}&q=${encodeURIComponent('\u0000')}`;
          const answer = await send(
            stack.gatewayUrl,
            operation.method === 'GET' ? 'GET' : operation.method,
            path,
            {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              'x-session-id': 'hostile-12345678',
            },
            hostile.body,
          );
          const what = `${operation.method} ${path} → ${answer.status}`;
          expect(answer.status, what).toBeLessThan(500);
          expect(answer.status, what).not.toBe(404);
          expectEnvelope(answer, what);
        },
      ),
      { numRuns: 500 },
    );
    // The data plane's own route, and a body far over the limit on every route that takes one.
    expect(
      (
        await send(
          stack.gatewayUrl,
          'GET',
          session,
          { authorization: `Bearer ${token}`, 'x-session-id': 'hostile-12345678' },
          'x'.repeat(10 * 1024 * 1024),
        )
      ).status,
    ).toBe(400);
    for (const operation of withBodies.slice(0, 10)) {
      const answer = await send(
        stack.gatewayUrl,
        operation.method,
        fill(operation.path, '00000000-0000-4000-8000-000000000000'),
        { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }),
      );
      expect(answer.status, `${operation.method} ${operation.path}`).toBe(413);
      expectEnvelope(answer, operation.path);
    }
    expect(await stored()).toEqual(before);
  });

  it('answers a path parameter that does not decode with 400 naming (path) at every route that has one', async () => {
    const withParams = operations.filter((operation) => operation.path.includes('{'));
    expect(withParams.length).toBeGreaterThan(10);
    for (const operation of withParams) {
      for (const id of ['%ZZ', '%ED%A0%80', '%00']) {
        // The form route reads a body it takes: the path must still be refused, not the route be missing.
        const form = operation.path.endsWith('/saml/acs');
        const answer = await send(
          stack.gatewayUrl,
          operation.method,
          fill(operation.path, id),
          {
            authorization: `Bearer ${token}`,
            ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          form ? 'SAMLResponse=x' : '',
        );
        const what = `${operation.method} ${fill(operation.path, id)} → ${answer.status}`;
        expect(answer.status, what).toBe(400);
        expectEnvelope(answer, what);
        expect(JSON.parse(answer.body).error.fields, what).toEqual([
          expect.objectContaining({ path: '(path)' }),
        ]);
      }
    }
  });

  it('holds at the session host and the metrics engine on their own ports too', async () => {
    const { sessionHost, metricsEngine } = stack.ports;
    const direct = [
      { base: `http://127.0.0.1:${sessionHost}`, method: 'POST', path: hostSessionEndRoute.path },
      { base: `http://127.0.0.1:${sessionHost}`, method: 'GET', path: getConnectionRoute.path },
      ...operations
        .filter((operation) => operation.path.startsWith('/mcp/api/'))
        .map((operation) => ({
          base: `http://127.0.0.1:${metricsEngine}`,
          method: operation.method,
          path: operation.path.slice('/mcp'.length),
        })),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...direct),
        hostileBody,
        queryString,
        async (route, hostile, query) => {
          const headers: Record<string, string> =
            hostile.contentType === undefined ? {} : { 'content-type': hostile.contentType };
          const answer = await send(
            route.base,
            route.method,
            `${route.path}?${query}`,
            headers,
            hostile.body,
          );
          const what = `${route.method} ${route.base}${route.path} (${hostile.kind}) → ${answer.status}`;
          expect(answer.status, what).toBeLessThan(500);
          expect(answer.status, what).not.toBe(404);
          expectEnvelope(answer, what);
        },
      ),
      { numRuns: 300 },
    );
  });
});
