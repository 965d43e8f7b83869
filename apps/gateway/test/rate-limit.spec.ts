import { createServer, connect, type AddressInfo } from 'node:net';
import { type RateLimitGroup, webstreamConfigSchema, type WebstreamConfig } from '@webstream/config';
import { type TestService } from '@webstream/service-kit/testing';
import { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { sleep, TEST_REDIS_URL } from '@webstream/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RateDecision } from '../src/rate-limit/rate-decision';
import { refuseUpgrade } from '../src/rate-limit/rate-limit-answers';
import { RateLimiter } from '../src/rate-limit/rate-limiter';
import { RedisSlidingWindows } from '../src/rate-limit/redis-sliding-windows';
import { GATEWAY_REDIS, type GatewayRedis } from '../src/state/gateway-state.module';
import {
  type Answer,
  askUpgrade,
  call,
  RateLimitTcpRelay,
  signIn,
  startRateLimitedGateway,
  untilMsIntoSecond,
} from './rate-limit-host';
import { deleteKeys, testKeyPrefix } from './redis-keys';

const PREFIX = testKeyPrefix();
const MCP_KEY = 'm'.repeat(40);

interface Rule {
  limit?: number;
  windowSeconds?: number;
}
type Limits = Partial<Record<RateLimitGroup, { perIdentity?: Rule; perTenant?: Rule }>>;

const METRICS_TOKEN = 'm'.repeat(32);
const scraper = { token: METRICS_TOKEN };

function configFor(
  limits: Limits,
  redisUrl?: string,
  enabled = true,
  trustedProxies: string[] = [],
): WebstreamConfig {
  return webstreamConfigSchema.parse({
    logging: { level: 'silent' },
    metrics: { bearerToken: METRICS_TOKEN },
    gateway: { rateLimits: { enabled, ...limits }, trustedProxies },
    mcpApiKeys: [{ name: 'agent-a', key: MCP_KEY }],
    ...(redisUrl === undefined ? {} : { redis: { url: redisUrl, keyPrefix: PREFIX } }),
  });
}

const running: TestService[] = [];
const cleanups: (() => Promise<void>)[] = [];
// Set once a test has put keys under PREFIX, for afterEach to delete.
let redisUsed = false;

async function start(config: WebstreamConfig): Promise<TestService> {
  if (config.redis.url !== undefined) redisUsed = true;
  const gateway = await startRateLimitedGateway(config);
  running.push(gateway);
  return gateway;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((gateway) => gateway.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
  if (!redisUsed) return;
  redisUsed = false;
  await deleteKeys(PREFIX);
});

const header = (answer: Answer, name: string): string | undefined => {
  const value = answer.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** `"name";r=1;t=2` → { name, r: 1, t: 2 } (the draft's sf-Item with integer parameters). */
function parseItem(item: string): { name: string; [parameter: string]: string | number } {
  const [name, ...parameters] = item.trim().split(';');
  const parsed: { name: string; [parameter: string]: string | number } = {
    name: JSON.parse(name!) as string,
  };
  for (const parameter of parameters) {
    const [key, value] = parameter.split('=');
    parsed[key!] = Number(value);
  }
  return parsed;
}

async function metric(gateway: TestService, line: RegExp): Promise<number | undefined> {
  const text = (await call(gateway, '/metrics', scraper)).body;
  const found = text.split('\n').find((candidate) => line.test(candidate));
  return found === undefined ? undefined : Number(found.split(' ').pop());
}

async function statuses(
  gateway: TestService,
  path: string,
  count: number,
  options: Parameters<typeof call>[2] = {},
): Promise<number[]> {
  const answers: number[] = [];
  for (let i = 0; i < count; i += 1) answers.push((await call(gateway, path, options)).status);
  return answers;
}

describe('the rate limits on one gateway', () => {
  it('answers the limit with 200 and the next with 429, with every header and a sensible Retry-After', async () => {
    const gateway = await start(
      configFor({ session: { perIdentity: { limit: 5, windowSeconds: 60 }, perTenant: { limit: 100 } } }),
    );
    const token = await signIn(gateway, 'alice', 'org-a');
    const before = Math.floor(Date.now() / 1000);
    for (let i = 1; i <= 5; i += 1) {
      const answer = await call(gateway, '/gateway/session/status', { token });
      expect(answer.status).toBe(200);
      expect(header(answer, 'X-RateLimit-Limit')).toBe('5');
      expect(header(answer, 'X-RateLimit-Remaining')).toBe(String(5 - i));
      // Bounded by when the request was sent and when its answer came, however slow the machine.
      const after = Math.ceil(Date.now() / 1000);
      const reset = Number(header(answer, 'X-RateLimit-Reset'));
      expect(reset).toBeGreaterThanOrEqual(before + 59);
      expect(reset).toBeLessThanOrEqual(after + 61);
      expect(header(answer, 'RateLimit-Policy')).toBe(
        '"session-identity";q=5;w=60, "session-tenant";q=100;w=60',
      );
      expect(parseItem(header(answer, 'RateLimit')!)).toMatchObject({ name: 'session-identity', r: 5 - i });
      expect(header(answer, 'Retry-After')).toBeUndefined();
    }
    const refused = await call(gateway, '/gateway/session/status', { token });
    expect(refused.status).toBe(429);
    const retryAfter = Number(header(refused, 'Retry-After'));
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(61);
    expect(header(refused, 'X-RateLimit-Limit')).toBe('5');
    expect(header(refused, 'X-RateLimit-Remaining')).toBe('0');
    const reset = Number(header(refused, 'X-RateLimit-Reset'));
    expect(Math.abs(reset - (Math.ceil(Date.now() / 1000) + retryAfter))).toBeLessThanOrEqual(1);
    expect(parseItem(header(refused, 'RateLimit')!)).toEqual({
      name: 'session-identity',
      r: 0,
      t: retryAfter,
    });
    expect(header(refused, 'Content-Type')).toMatch(/^application\/json/);
    expect(JSON.parse(refused.body)).toMatchObject({
      error: { status: 429, code: 'rate_limited', message: expect.stringContaining('retry in') as string },
    });
    expect(await metric(gateway, /^gateway_rate_limit_exceeded_total\{.*tenant="org-a"/)).toBe(1);
  });

  it('counts each user on their own, and their organization across its users; another organization apart', async () => {
    const gateway = await start(
      configFor({ session: { perIdentity: { limit: 3, windowSeconds: 60 }, perTenant: { limit: 4 } } }),
    );
    const alice = await signIn(gateway, 'alice', 'org-a');
    const bob = await signIn(gateway, 'bob', 'org-a');
    const carol = await signIn(gateway, 'carol', 'org-b');
    expect(await statuses(gateway, '/gateway/session/status', 4, { token: alice })).toEqual([
      200, 200, 200, 429,
    ]);
    // Alice's refusal was not charged to org-a: Bob has the tenant's fourth request, then the tenant is full.
    const bobs = [
      await call(gateway, '/gateway/session/status', { token: bob }),
      await call(gateway, '/gateway/session/status', { token: bob }),
    ];
    expect(bobs.map((answer) => answer.status)).toEqual([200, 429]);
    expect(header(bobs[0]!, 'X-RateLimit-Remaining')).toBe('0');
    expect(parseItem(header(bobs[1]!, 'RateLimit')!)).toMatchObject({ name: 'session-tenant', r: 0 });
    expect(JSON.parse(bobs[1]!.body)).toMatchObject({
      error: { message: expect.stringContaining("organization's limit") as string },
    });
    expect(await statuses(gateway, '/gateway/session/status', 3, { token: carol })).toEqual([200, 200, 200]);
    expect(await metric(gateway, /^gateway_rate_limit_exceeded_total\{.*tenant="org-a"/)).toBe(2);
  });

  it('counts by source address before sign-in, and sign-in always by address', async () => {
    const gateway = await start(
      configFor({ iam: { perIdentity: { limit: 2 } }, auth: { perIdentity: { limit: 1 } } }),
    );
    expect(await statuses(gateway, '/iam/things', 3)).toEqual([200, 200, 429]);
    expect(await statuses(gateway, '/iam/things', 1, { from: '127.0.0.2' })).toEqual([200]);
    // A token that does not verify is no sign-in.
    expect(await statuses(gateway, '/iam/things', 1, { token: 'not.a.token' })).toEqual([429]);
    const alice = await signIn(gateway, 'alice', 'org-a');
    expect(await statuses(gateway, '/iam/things', 2, { token: alice })).toEqual([200, 200]);
    // Any /iam path is the iam group, even one that is not found (and it says so in its headers).
    const missing = await call(gateway, '/iam/nothing-here', { from: '127.0.0.3' });
    expect(missing.status).toBe(404);
    expect(header(missing, 'X-RateLimit-Limit')).toBe('2');

    const bob = await signIn(gateway, 'bob', 'org-a');
    expect(await statuses(gateway, '/iam/auth/probe', 1, { token: alice })).toEqual([200]);
    expect(await statuses(gateway, '/IAM/Auth/probe/', 1, { token: bob })).toEqual([429]);
    expect(await statuses(gateway, '/iam/auth/probe', 1, { from: '127.0.0.2' })).toEqual([200]);
    expect(
      await metric(gateway, /^gateway_rate_limit_exceeded_total\{.*tenant="anonymous".*group="auth"/),
    ).toBe(1);
  });

  it('slides: requests on both sides of a second boundary are still one window', async () => {
    const gateway = await start(configFor({ session: { perIdentity: { limit: 3, windowSeconds: 1 } } }));
    const token = await signIn(gateway, 'alice', 'org-a');
    await untilMsIntoSecond(600);
    const firstAt = Date.now();
    expect(await statuses(gateway, '/gateway/session/status', 3, { token })).toEqual([200, 200, 200]);
    // Past the boundary a fixed window of one second would be empty again; the sliding one is not.
    await untilMsIntoSecond(150);
    expect(Date.now() - firstAt).toBeLessThan(900);
    const refused = await call(gateway, '/gateway/session/status', { token });
    expect(refused.status).toBe(429);
    expect(header(refused, 'Retry-After')).toBe('1');
    // Once the first three have left the window (plus one 100 ms bucket), there is room again.
    await sleep(firstAt + 1_250 - Date.now());
    expect(await statuses(gateway, '/gateway/session/status', 1, { token })).toEqual([200]);
  });

  it('never limits the unmapped routes, and adds no headers to them', async () => {
    const gateway = await start(
      configFor({
        session: { perIdentity: { limit: 1 }, perTenant: { limit: 1 } },
        iam: { perIdentity: { limit: 1 } },
        admin: { perIdentity: { limit: 1 } },
      }),
    );
    for (const path of ['/gateway/heartbeat', '/health/live', '/metrics']) {
      const answers = await Promise.all(Array.from({ length: 5 }, () => call(gateway, path, scraper)));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      expect(header(answers[0]!, 'X-RateLimit-Limit')).toBeUndefined();
    }
  });

  it('charges MCP calls to the key, and an unknown key to its address', async () => {
    const gateway = await start(configFor({ mcp: { perIdentity: { limit: 1 } } }));
    const agent = { headers: { 'x-mcp-key': MCP_KEY } };
    expect(await statuses(gateway, '/mcp/tools', 2, agent)).toEqual([200, 429]);
    expect(await statuses(gateway, '/mcp/tools', 1, { headers: { 'x-mcp-key': 'x'.repeat(40) } })).toEqual([
      200,
    ]);
    expect(await statuses(gateway, '/mcp/tools', 1, { headers: { 'x-mcp-key': 'y'.repeat(40) } })).toEqual([
      429,
    ]);
  });

  it('limits nothing when rate limiting is off', async () => {
    const gateway = await start(configFor({ session: { perIdentity: { limit: 1 } } }, undefined, false));
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => call(gateway, '/gateway/session/status')),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(header(answers[0]!, 'X-RateLimit-Limit')).toBeUndefined();
  });
});

describe('the rate limits of several gateways, in Redis', () => {
  it('shares one window between two gateways', async () => {
    const config = configFor(
      { session: { perIdentity: { limit: 4, windowSeconds: 60 }, perTenant: { limit: 100 } } },
      TEST_REDIS_URL,
    );
    const [one, two] = [await start(config), await start(config)];
    const token = await signIn(one, 'alice', 'org-a');
    expect(await statuses(one, '/gateway/session/status', 2, { token })).toEqual([200, 200]);
    const third = await call(two, '/gateway/session/status', { token });
    expect(third.status).toBe(200);
    expect(header(third, 'X-RateLimit-Remaining')).toBe('1');
    expect(await statuses(two, '/gateway/session/status', 2, { token })).toEqual([200, 429]);
    expect(await statuses(one, '/gateway/session/status', 1, { token })).toEqual([429]);
    expect(await metric(one, /^gateway_rate_limit_redis_degraded/)).toBe(0);
  });

  /** Sliding windows in Redis under PREFIX, and a connection to look at their keys (quit after the test). */
  function redisWindows(): { redis: Redis; windows: RedisSlidingWindows } {
    redisUsed = true;
    const redis = new Redis(TEST_REDIS_URL, { keyPrefix: PREFIX });
    cleanups.push(async () => void (await redis.quit()));
    return { redis, windows: new RedisSlidingWindows(redis) };
  }

  it('keeps the windows in Redis: all or nothing, with their reset, and gone once empty', async () => {
    const { redis, windows } = redisWindows();
    const identity = { key: 'w:user', limit: 2, windowMs: 1_000 };
    const tenant = { key: 'w:org', limit: 3, windowMs: 60_000 };
    expect(await windows.hit([identity, tenant])).toMatchObject({
      admitted: true,
      windows: [{ count: 1 }, { count: 1 }],
    });
    expect(await windows.hit([{ ...identity, key: 'w:other' }, tenant])).toMatchObject({ admitted: true });
    const second = await windows.hit([identity, tenant]);
    expect(second).toMatchObject({ admitted: true, windows: [{ count: 2 }, { count: 3 }] });
    expect(second.windows[0]!.resetMs).toBeGreaterThan(800);
    expect(second.windows[0]!.resetMs).toBeLessThanOrEqual(1_100);
    const refused = await windows.hit([{ ...identity, key: 'w:third' }, tenant]);
    expect(refused).toMatchObject({ admitted: false, windows: [{ count: 0, resetMs: 0 }, { count: 3 }] });
    expect(refused.windows[1]!.resetMs).toBeGreaterThan(59_000);
    expect(await redis.exists('w:third')).toBe(0);
    const ttl = await redis.pttl('w:user');
    expect(ttl).toBeGreaterThan(800);
    expect(ttl).toBeLessThanOrEqual(1_100);
    // Forced (a request the shared windows admitted elsewhere) counts past the limit.
    expect(await windows.hit([identity], true)).toMatchObject({ admitted: true, windows: [{ count: 3 }] });
    await sleep(1_150);
    expect(await windows.hit([identity])).toMatchObject({ admitted: true, windows: [{ count: 1 }] });
    expect(await redis.hget('w:user', 'n')).toBe('1');
  });

  it('slides in Redis: the oldest buckets leave the window one by one', async () => {
    const { redis, windows } = redisWindows();
    const identity = { key: 's:user', limit: 3, windowMs: 1_000 };
    await windows.hit([identity]);
    // Taken once the first hit is stored: its bucket began no later than this, however slow the round trip.
    const firstAt = Date.now();
    await sleep(500);
    await windows.hit([identity]);
    await windows.hit([identity]);
    const refused = await windows.hit([identity]);
    expect(refused).toMatchObject({ admitted: false, windows: [{ count: 3 }] });
    // The first request's bucket leaves at most one bucket (100 ms) after a window from it.
    expect(refused.windows[0]!.resetMs).toBeLessThanOrEqual(firstAt + 1_100 - Date.now() + 5);
    await sleep(firstAt + 1_150 - Date.now());
    const admitted = await windows.hit([identity]);
    expect(admitted).toMatchObject({ admitted: true, windows: [{ count: 3 }] });
    // Now the requests of 0.5 s hold the window: they leave about half a second from now.
    expect(admitted.windows[0]!.resetMs).toBeGreaterThan(200);
    expect(admitted.windows[0]!.resetMs).toBeLessThanOrEqual(600);
    // n, o, and the two live buckets: the dropped one is gone from the hash.
    expect(await redis.hget('s:user', 'n')).toBe('3');
    expect(await redis.hlen('s:user')).toBe(4);
  });

  it('falls back to the gateway’s own windows when Redis goes, still limiting, and says so', async () => {
    const target = new URL(TEST_REDIS_URL);
    const relay = await RateLimitTcpRelay.start({ host: target.hostname, port: Number(target.port || 6379) });
    cleanups.push(() => relay.close());
    const gateway = await start(
      configFor(
        { session: { perIdentity: { limit: 3, windowSeconds: 60 } } },
        `redis://127.0.0.1:${relay.port}`,
      ),
    );
    // The connection errors while Redis is gone are this test's point, not news.
    gateway.app.get<symbol, GatewayRedis>(GATEWAY_REDIS, { strict: false })!.on('error', () => undefined);
    const token = await signIn(gateway, 'alice', 'org-a');
    expect(await statuses(gateway, '/gateway/session/status', 1, { token })).toEqual([200]);
    expect(await metric(gateway, /^gateway_rate_limit_redis_degraded/)).toBe(0);

    const warn = vi.spyOn(PinoLogger.prototype, 'warn');
    cleanups.push(async () => void warn.mockRestore());
    await relay.close();
    // The request admitted through Redis is in this gateway's own window too: two more, then 429.
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await call(gateway, '/gateway/session/status', { token }));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 429]);
    expect(header(answers[1]!, 'X-RateLimit-Remaining')).toBe('0');
    expect(header(answers[2]!, 'Retry-After')).toBeDefined();
    expect(await metric(gateway, /^gateway_rate_limit_redis_degraded/)).toBe(1);
    // Said once, not once per request.
    const said = warn.mock.calls.filter((args) =>
      args.some((arg) => String(arg).includes('Redis is unavailable')),
    );
    expect(said).toHaveLength(1);
  });
});

describe('a refused WebSocket upgrade', () => {
  function refusedDecision(): RateDecision {
    const policy = {
      name: 'connection-identity',
      scope: 'identity' as const,
      limit: 120,
      windowSeconds: 60,
      remaining: 0,
      resetSeconds: 17,
      exceeded: true,
    };
    return {
      allowed: false,
      group: 'connection',
      binding: policy,
      policies: [policy],
      retryAfterSeconds: 17,
      decidedAt: 1_700_000_000_000,
      source: 'local',
    };
  }

  it('is a raw, parseable HTTP/1.1 429 with the headers and the envelope, and the socket closed', async () => {
    const server = createServer((socket) => refuseUpgrade(socket, refusedDecision()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(
          'GET /capture HTTP/1.1\r\nHost: gateway\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
        ),
      );
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
      socket.on('error', reject);
    });
    const [head, body] = raw.split('\r\n\r\n') as [string, string];
    const [statusLine, ...lines] = head.split('\r\n');
    expect(statusLine).toBe('HTTP/1.1 429 Too Many Requests');
    const headers = new Map(
      lines.map((line) => [
        line.slice(0, line.indexOf(':')).toLowerCase(),
        line.slice(line.indexOf(':') + 1).trim(),
      ]),
    );
    expect(headers.get('retry-after')).toBe('17');
    expect(headers.get('x-ratelimit-limit')).toBe('120');
    expect(headers.get('x-ratelimit-remaining')).toBe('0');
    expect(headers.get('x-ratelimit-reset')).toBe(String(1_700_000_000 + 17));
    expect(headers.get('ratelimit')).toBe('"connection-identity";r=0;t=17');
    expect(headers.get('ratelimit-policy')).toBe('"connection-identity";q=120;w=60');
    expect(headers.get('connection')).toBe('close');
    expect(Number(headers.get('content-length'))).toBe(Buffer.byteLength(body));
    expect(JSON.parse(body)).toMatchObject({ error: { status: 429, code: 'rate_limited' } });
  });

  it('is what limitUpgrade answers once the connection group is full', async () => {
    const gateway = await start(
      configFor({ connection: { perIdentity: { limit: 1, windowSeconds: 60 } } }, undefined, true, [
        '127.0.0.1',
      ]),
    );
    const limiter = gateway.app.get(RateLimiter);
    // As the data plane does: the upgrade is decided before anything else answers it.
    (gateway.app.getHttpServer() as import('node:http').Server).on('upgrade', (req, socket) => {
      void limiter.limitUpgrade(req, socket).then((admitted) => {
        if (admitted) socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      });
    });
    expect((await askUpgrade(gateway, '/capture?ticket=one')).status).toBe(404);
    const refused = await askUpgrade(gateway, '/audio?ticket=two');
    expect(refused.status).toBe(429);
    expect(header(refused, 'X-RateLimit-Limit')).toBe('1');
    expect(Number(header(refused, 'Retry-After'))).toBeGreaterThanOrEqual(59);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'rate_limited' } });
    // Through a trusted proxy each client is its forwarded address.
    const forwarded = (client: string) => askUpgrade(gateway, '/control', { 'x-forwarded-for': client });
    expect((await forwarded('203.0.113.5')).status).toBe(404);
    expect((await forwarded('203.0.113.6')).status).toBe(404);
    expect((await forwarded('203.0.113.5')).status).toBe(429);
  });
});
