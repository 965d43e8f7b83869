import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { Writable } from 'node:stream';
import { AxiosError, AxiosHeaders } from 'axios';
import { type Request } from 'express';
import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  NotFoundException,
  type INestApplication,
  type OnModuleInit,
  Param,
  Post,
} from '@nestjs/common';
import { webstreamConfigSchema } from '@webstream/config';
import { type ErrorEnvelope, errorEnvelopeSchema, probeResponseSchema } from '@webstream/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createHttpClient,
  createServiceApp,
  createServiceLogger,
  HealthRegistry,
  type KnownError,
  KnownErrors,
  loggedUrl,
  routeLabel,
  ServiceKitModule,
  ZodValidationPipe,
} from '../src';
import { startTestService } from '../src/testing';

const METRICS_TOKEN = 'p'.repeat(32);
const config = webstreamConfigSchema.parse({
  logging: { level: 'silent' },
  metrics: { bearerToken: METRICS_TOKEN },
  requestBodies: { defaultMaxBytes: 2048 },
});
const thingSchema = z.strictObject({ name: z.string().min(1), maxSessions: z.number().int().min(1) });

let upstreamUrl = '';
let upstreamSaw: IncomingHttpHeaders = {};
let dependencyUp = true;
/** Bodies that reached the route: a refused request changes nothing. */
let created = 0;

/** An error of some infrastructure a module of the app owns, which says what it means through KnownErrors. */
class WarehouseError extends Error {
  constructor(readonly kind: 'taken' | 'closed') {
    super(`warehouse ${kind}`);
  }
}

function warehouseErrors(error: unknown): KnownError | undefined {
  if (!(error instanceof WarehouseError)) return undefined;
  return error.kind === 'taken'
    ? { status: 409, message: 'that slug is taken', fields: [{ path: 'slug', message: 'already taken' }] }
    : { status: 503, message: 'the warehouse is closed; try again shortly', retryAfterSeconds: 5 };
}

@Controller('things')
class ThingsController {
  @Post()
  create(
    @Body(new ZodValidationPipe(thingSchema)) body: z.output<typeof thingSchema>,
  ): z.output<typeof thingSchema> {
    created += 1;
    return body;
  }

  @Get('named/:name')
  named(@Param('name') name: string): { name: string } {
    return { name };
  }

  @Get('duplicate')
  duplicate(): never {
    throw new WarehouseError('taken');
  }

  @Get('gone')
  gone(): never {
    throw new NotFoundException('the thing does not exist');
  }

  @Get('closed')
  closed(): never {
    throw new WarehouseError('closed');
  }

  @Get('unregistered')
  unregistered(): never {
    // Prisma's unique violation, in an app where no module said what Prisma's errors mean.
    throw Object.assign(new Error('prisma P2002'), { name: 'PrismaClientKnownRequestError', code: 'P2002' });
  }

  @Get('crash')
  crash(): never {
    throw new Error('database password is hunter2');
  }

  @Get('call-peer')
  async callPeer(): Promise<{ status: number }> {
    const response = await createHttpClient({ baseURL: upstreamUrl, timeout: 2_000 }).get('/');
    return { status: response.status };
  }
}

@Injectable()
class Warehouse {
  constructor(knownErrors: KnownErrors) {
    knownErrors.add(warehouseErrors);
  }
}

@Injectable()
class DependencyCheck implements OnModuleInit {
  constructor(private readonly health: HealthRegistry) {}

  onModuleInit(): void {
    this.health.registerReadiness('dependency', async () => {
      if (!dependencyUp) throw new Error('dependency refused the connection');
      return { latencyMs: 1 };
    });
  }
}

@Module({
  imports: [ServiceKitModule.forRoot({ service: 'test-service', config })],
  controllers: [ThingsController],
  providers: [DependencyCheck, Warehouse],
})
class TestAppModule {}

describe('service kit', () => {
  let app: INestApplication;
  let base: string;
  let upstream: Server;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      upstreamSaw = req.headers;
      res.end('ok');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    app = await createServiceApp(TestAppModule);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  async function errorOf(response: Response) {
    return errorEnvelopeSchema.parse(await response.json()).error;
  }

  describe('the error envelope', () => {
    it('answers a body that breaks its contract with 400 naming each wrong field', async () => {
      const response = await fetch(`${base}/things`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'a', maxSessions: 0, extra: true }),
      });
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe('validation_failed');
      expect(error.fields?.map((field) => field.path).sort()).toEqual(['extra', 'maxSessions']);
    });

    it('passes a valid body through parsed', async () => {
      const response = await fetch(`${base}/things`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'a', maxSessions: 2 }),
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ name: 'a', maxSessions: 2 });
    });

    it('answers malformed JSON with 400 invalid_json and where, and a top-level value that is no object too', async () => {
      const before = created;
      const send = (body: string) =>
        fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const truncated = await send('{"name":');
      expect(truncated.status).toBe(400);
      const error = await errorOf(truncated);
      expect(error.code).toBe('invalid_json');
      expect(error.message).toMatch(/not valid JSON.*\(at position 8\)/);
      expect((await errorOf(await send('{"name":1,}'))).message).toMatch(/at position 10/);
      // V8 names no position here: the first character that cannot be JSON is found.
      expect((await errorOf(await send('{"name": x}'))).message).toMatch(/at position 9\)/);
      for (const body of ['null', '"text"', '42', ' true']) {
        const answer = await send(body);
        expect(answer.status, body).toBe(400);
        expect((await errorOf(answer)).message, body).toMatch(/must be a JSON object or array/);
      }
      expect(created).toBe(before);
    });

    it('answers a body over its limit 413 naming the key, a body that is not JSON or UTF-8 415', async () => {
      const before = created;
      const big = await fetch(`${base}/things`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x'.repeat(4096), maxSessions: 1 }),
      });
      expect(big.status).toBe(413);
      expect(await errorOf(big)).toMatchObject({
        code: 'payload_too_large',
        message: expect.stringContaining('requestBodies.defaultMaxBytes') as unknown,
      });
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
      ]) {
        const answer = await fetch(`${base}/things`, {
          method: 'POST',
          headers: { 'content-type': type },
          body: '{"name":"a","maxSessions":1}',
        });
        expect(answer.status, type).toBe(415);
        expect((await errorOf(answer)).code, type).toBe('unsupported_media_type');
      }
      expect(created).toBe(before);
    });

    it('answers a NUL or half a surrogate pair anywhere in the body or the query 400 naming the field', async () => {
      const before = created;
      const nul = await fetch(`${base}/things`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"a\\u0000b","maxSessions":1}',
      });
      expect(nul.status).toBe(400);
      expect((await errorOf(nul)).fields).toEqual([
        { path: 'name', message: 'must not contain a NUL character' },
      ]);
      const surrogate = await fetch(`${base}/things`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"ok","tags":["fine","a\\ud800"],"maxSessions":1}',
      });
      expect((await errorOf(surrogate)).fields).toEqual([
        { path: 'tags[1]', message: 'must be valid Unicode (it holds half a surrogate pair)' },
      ]);
      const query = await fetch(`${base}/things/gone?q=%00`);
      expect(query.status).toBe(400);
      expect((await errorOf(query)).fields?.[0]?.path).toBe('query.q');
      expect(created).toBe(before);
    });

    it('answers a path that does not decode with 400 naming (path) before any route, not 404; and decodes a good one', async () => {
      for (const path of ['/things/named/%ZZ', '/things/named/%ED%A0%80', '/things/named/a%00b']) {
        const answer = await fetch(`${base}${path}`);
        expect(answer.status, path).toBe(400);
        expect(
          (await errorOf(answer)).fields?.map((field) => field.path),
          path,
        ).toEqual(['(path)']);
      }
      const before = created;
      const withBody = await fetch(`${base}/things%ZZ`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"ok","maxSessions":1}',
      });
      expect(withBody.status).toBe(400);
      expect(created).toBe(before);
      const good = await fetch(`${base}/things/named/a%20b%2Fc`);
      expect(good.status).toBe(200);
      expect(await good.json()).toEqual({ name: 'a b/c' });
    });

    it('refuses a body on GET with 400, never a 5xx', async () => {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(`${base}/health/live`);
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'GET',
            headers: { 'content-type': 'application/json', 'content-length': '7' },
          },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end('{"bad":');
      });
      expect(answer.status, answer.body).toBe(400);
      expect(errorEnvelopeSchema.parse(JSON.parse(answer.body)).error.message).toBe(
        'GET requests take no body',
      );
    });

    it('answers bytes that are not HTTP with 400 in the envelope', async () => {
      const url = new URL(base);
      const socket = connect({ host: url.hostname, port: Number(url.port) });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const ended = new Promise((resolve) => socket.once('close', resolve));
      socket.write('GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n');
      await ended;
      expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      const error = errorEnvelopeSchema.parse(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).error;
      expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    });

    it('answers what a module says its infrastructure errors mean: 409 naming the field, 503 with Retry-After', async () => {
      const duplicate = await fetch(`${base}/things/duplicate`);
      expect(duplicate.status).toBe(409);
      const error = await errorOf(duplicate);
      expect(error.code).toBe('conflict');
      expect(error.fields).toEqual([{ path: 'slug', message: 'already taken' }]);
      const closed = await fetch(`${base}/things/closed`);
      expect(closed.status).toBe(503);
      expect(closed.headers.get('retry-after')).toBe('5');
      expect((await errorOf(closed)).code).toBe('service_unavailable');
    });

    it('answers an error nobody said the meaning of as a fault: the kit knows no infrastructure', async () => {
      const response = await fetch(`${base}/things/unregistered`);
      expect(response.status).toBe(500);
      expect((await errorOf(response)).code).toBe('internal');
    });

    it('hides a server fault behind an error id and never echoes its message', async () => {
      const response = await fetch(`${base}/things/crash`);
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).not.toContain('hunter2');
      const error = errorEnvelopeSchema.parse(JSON.parse(text)).error;
      expect(error.code).toBe('internal');
      expect(error.errorId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers an unknown route with 404 in the envelope', async () => {
      const response = await fetch(`${base}/nowhere`);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).code).toBe('not_found');
    });
  });

  describe('correlation ids', () => {
    it('keeps the caller id, answers with it, and passes it to peer calls', async () => {
      const response = await fetch(`${base}/things/call-peer`, {
        headers: { 'x-correlation-id': 'trace-42' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-correlation-id')).toBe('trace-42');
      expect(upstreamSaw['x-correlation-id']).toBe('trace-42');
    });

    it('makes one up when the caller sent none or an unsafe one', async () => {
      const none = await fetch(`${base}/things/call-peer`);
      const id = none.headers.get('x-correlation-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(upstreamSaw['x-correlation-id']).toBe(id);
      const unsafe = await fetch(`${base}/health/live`, { headers: { 'x-correlation-id': 'a b\tc' } });
      expect(unsafe.headers.get('x-correlation-id')).not.toBe('a b\tc');
    });

    it('puts the id in error envelopes', async () => {
      const response = await fetch(`${base}/things/gone`, { headers: { 'x-correlation-id': 'trace-43' } });
      expect((await errorOf(response)).correlationId).toBe('trace-43');
    });
  });

  describe('health', () => {
    it('is live at once, and starts up only once the service says so', async () => {
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/health/startup`)).status).toBe(503);
      expect((await fetch(`${base}/health/ready`)).status).toBe(503);
      app.get(HealthRegistry).markStarted();
      expect((await fetch(`${base}/health/startup`)).status).toBe(200);
    });

    it('answers liveness ahead of the framework with its shape, the security headers, the correlation id and a metric', async () => {
      const live = await fetch(`${base}/health/live?probe=1`, {
        headers: { 'x-correlation-id': 'probe-42' },
      });
      expect(live.status).toBe(200);
      expect(live.headers.get('x-correlation-id')).toBe('probe-42');
      expect(live.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(live.headers.get('x-powered-by')).toBeNull();
      expect(probeResponseSchema.parse(await live.json())).toMatchObject({
        status: 'ok',
        info: { process: { status: 'up' } },
      });
      const head = await fetch(`${base}/health/live`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      // Other methods are the framework's, which has no such route.
      expect((await fetch(`${base}/health/live`, { method: 'POST' })).status).toBe(404);
      const metrics = await fetch(`${base}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(await metrics.text()).toMatch(
        /^http_server_request_duration_seconds_count\{service="test-service",method="GET",route="\/health\/live",status="200"\} [1-9]/m,
      );
    });

    it('is ready only while every registered dependency answers', async () => {
      app.get(HealthRegistry).markStarted();
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ok',
        info: { dependency: { status: 'up', latencyMs: 1 } },
      });
      dependencyUp = false;
      try {
        const down = await fetch(`${base}/health/ready`);
        expect(down.status).toBe(503);
        expect(await down.json()).toMatchObject({
          status: 'error',
          error: { dependency: { status: 'down', message: 'dependency refused the connection' } },
        });
      } finally {
        dependencyUp = true;
      }
    });

    it('refuses a second check under the same name', () => {
      expect(() => app.get(HealthRegistry).registerReadiness('dependency', async () => undefined)).toThrow(
        /twice/,
      );
    });
  });

  describe('security headers', () => {
    it('sends helmet’s headers on every answer, errors too, and no X-Powered-By', async () => {
      for (const path of ['/health/live', '/things/gone', '/no/such/path']) {
        const response = await fetch(`${base}${path}`);
        const csp = response.headers.get('content-security-policy') ?? '';
        expect(csp, path).toContain("script-src 'self'");
        expect(csp, path).toContain("frame-ancestors 'none'");
        expect(csp, path).not.toContain('unsafe-inline');
        expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
        expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
        expect(response.headers.get('x-powered-by'), path).toBeNull();
        // Plain HTTP: Strict-Transport-Security belongs to TLS answers only.
        expect(response.headers.get('strict-transport-security'), path).toBeNull();
      }
    });
  });

  describe('metrics', () => {
    it('labels a request by its route: a path, a pattern, or unmatched', () => {
      const labelOf = (route: unknown, baseUrl = '') => routeLabel({ route, baseUrl } as unknown as Request);
      expect(labelOf({ path: '/things/:id' }, '/api')).toBe('/api/things/:id');
      expect(labelOf({ path: '/{*path}' })).toBe('unmatched');
      expect(labelOf({ path: /^\/(?:admin)?$/ })).toBe('/^\\/(?:admin)?$/');
      expect(labelOf(undefined)).toBe('unmatched');
    });

    it('answers /metrics only with metrics.bearerToken, and without one configured to nobody', async () => {
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const wrong = await fetch(`${base}/metrics`, {
        headers: { authorization: `Bearer ${'q'.repeat(32)}` },
      });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ error: { code: 'unauthorized' } });
      const unconfigured = await startTestService({
        module: class Unconfigured {},
        imports: [
          ServiceKitModule.forRoot({
            service: 'test-service',
            config: webstreamConfigSchema.parse({ logging: { level: 'silent' } }),
          }),
        ],
      });
      try {
        const response = await fetch(`${unconfigured.url}/metrics`, {
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        });
        expect(response.status).toBe(404);
        expect(((await response.json()) as ErrorEnvelope).error.message).toContain('metrics.bearerToken');
      } finally {
        await unconfigured.close();
      }
    });

    it('exposes process metrics and requests by matched route in Prometheus format', async () => {
      await fetch(`${base}/things/gone`);
      const response = await fetch(`${base}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const body = await response.text();
      expect(body).toMatch(/^process_cpu_user_seconds_total\{service="test-service"\} /m);
      expect(body).toMatch(
        /^http_server_request_duration_seconds_count\{service="test-service",method="GET",route="\/things\/gone",status="404"\} [1-9]/m,
      );
      expect(body).toMatch(/route="unmatched",status="404"/);
      expect(body).not.toMatch(/route="[^"]*\*/);
    });
  });
});

function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createServiceLogger('test-service', webstreamConfigSchema.parse({}), sink) };
}

describe('service logs', () => {
  it('are JSON and never carry credentials', () => {
    const { lines, logger } = capturedLogger();
    logger.info(
      {
        req: {
          headers: { authorization: 'Bearer eyJsecret', cookie: 'sid=secret', 'x-mcp-key': 'k'.repeat(40) },
        },
        body: { username: 'ada', password: 'hunter2', refreshToken: 'rt-secret' },
      },
      'login',
    );
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 'info',
      service: 'test-service',
      msg: 'login',
      body: { username: 'ada' },
    });
    expect(lines[0]).not.toMatch(/eyJsecret|sid=secret|kkkk|hunter2|rt-secret/);
  });

  it("mask a sign-in's code and state and SAML messages in the URLs they log, and keep the rest", () => {
    expect(
      loggedUrl('/iam/auth/sso/p/callback?code=SECRET-CODE&state=SECRET-STATE&iss=https%3A%2F%2Fidp'),
    ).toBe('/iam/auth/sso/p/callback?code=%5Bredacted%5D&state=%5Bredacted%5D&iss=https%3A%2F%2Fidp');
    expect(loggedUrl('/iam/auth/sso/p/saml/slo?SAMLRequest=abc&SigAlg=rsa&Signature=xyz')).not.toMatch(
      /abc|xyz/,
    );
    expect(loggedUrl('/iam/users?page=2&q=ada')).toBe('/iam/users?page=2&q=ada');
    expect(loggedUrl('/health')).toBe('/health');
  });

  it("keep a failed peer call's request, with its credentials, out of logged errors", () => {
    const { lines, logger } = capturedLogger();
    const error = new AxiosError('Request failed with status code 500', 'ERR_BAD_RESPONSE', {
      headers: new AxiosHeaders({ Authorization: 'Bearer SUPER-SECRET-TOKEN' }),
      data: '{"password":"hunter2"}',
    });
    logger.error({ err: error }, 'peer call failed');
    expect(lines[0]).toContain('Request failed with status code 500');
    expect(lines[0]).not.toMatch(/SUPER-SECRET-TOKEN|hunter2/);
  });
});
