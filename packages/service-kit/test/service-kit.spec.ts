import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { AxiosError, AxiosHeaders } from 'axios';
import { type Request } from 'express';
import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  type INestApplication,
  type OnModuleInit,
  Post,
} from '@nestjs/common';
import { webstreamConfigSchema } from '@webstream/config';
import { errorEnvelopeSchema } from '@webstream/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createHttpClient,
  createServiceApp,
  createServiceLogger,
  HealthRegistry,
  routeLabel,
  ServiceKitModule,
  ZodValidationPipe,
} from '../src';

const config = webstreamConfigSchema.parse({ logging: { level: 'silent' } });
const thingSchema = z.strictObject({ name: z.string().min(1), maxSessions: z.number().int().min(1) });

let upstreamUrl = '';
let upstreamSaw: IncomingHttpHeaders = {};
let dependencyUp = true;

function prismaError(code: string, meta?: Record<string, unknown>): Error {
  return Object.assign(new Error(`prisma ${code}`), { name: 'PrismaClientKnownRequestError', code, meta });
}

@Controller('things')
class ThingsController {
  @Post()
  create(
    @Body(new ZodValidationPipe(thingSchema)) body: z.output<typeof thingSchema>,
  ): z.output<typeof thingSchema> {
    return body;
  }

  @Get('duplicate')
  duplicate(): never {
    throw prismaError('P2002', { target: ['slug'] });
  }

  @Get('referenced')
  referenced(): never {
    throw prismaError('P2003');
  }

  @Get('gone')
  gone(): never {
    throw prismaError('P2025');
  }

  @Get('unstorable')
  unstorable(): never {
    throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
  }

  @Get('crash')
  crash(): never {
    throw new Error('database password is hunter2');
  }

  @Get('state-down')
  stateDown(): never {
    // What ioredis rejects a command with once Redis has been unreachable for its retries.
    throw Object.assign(new Error('Reached the max retries per request limit (which is 2).'), {
      name: 'MaxRetriesPerRequestError',
    });
  }

  @Get('call-peer')
  async callPeer(): Promise<{ status: number }> {
    const response = await createHttpClient({ baseURL: upstreamUrl, timeout: 2_000 }).get('/');
    return { status: response.status };
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
  providers: [DependencyCheck],
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

    it('answers malformed JSON with 400', async () => {
      const response = await fetch(`${base}/things`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":',
      });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).message).toMatch(/not valid JSON/);
    });

    it('maps a unique violation to 409 naming the field, and a missing record to 404', async () => {
      const duplicate = await fetch(`${base}/things/duplicate`);
      expect(duplicate.status).toBe(409);
      const error = await errorOf(duplicate);
      expect(error.code).toBe('conflict');
      expect(error.fields).toEqual([{ path: 'slug', message: 'already taken' }]);
      const gone = await fetch(`${base}/things/gone`);
      expect(gone.status).toBe(404);
      expect((await errorOf(gone)).code).toBe('not_found');
      const referenced = await fetch(`${base}/things/referenced`);
      expect(referenced.status).toBe(409);
      expect((await errorOf(referenced)).code).toBe('conflict');
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

    it('answers 503 with Retry-After while the shared state (Redis) cannot be reached, which a retry can fix', async () => {
      const response = await fetch(`${base}/things/state-down`);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      const error = await errorOf(response);
      expect(error.code).toBe('service_unavailable');
      expect(error.message).toMatch(/Redis/);
    });

    it('answers a value the database cannot store with 422, which a retry cannot fix', async () => {
      const response = await fetch(`${base}/things/unstorable`);
      expect(response.status).toBe(422);
      expect((await errorOf(response)).message).toMatch(/cannot be stored/);
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

  describe('metrics', () => {
    it('labels a request by its route: a path, a pattern, or unmatched', () => {
      const labelOf = (route: unknown, baseUrl = '') => routeLabel({ route, baseUrl } as unknown as Request);
      expect(labelOf({ path: '/things/:id' }, '/api')).toBe('/api/things/:id');
      expect(labelOf({ path: '/{*path}' })).toBe('unmatched');
      expect(labelOf({ path: /^\/(?:admin)?$/ })).toBe('/^\\/(?:admin)?$/');
      expect(labelOf(undefined)).toBe('unmatched');
    });

    it('exposes process metrics and requests by matched route in Prometheus format', async () => {
      await fetch(`${base}/things/gone`);
      const response = await fetch(`${base}/metrics`);
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
