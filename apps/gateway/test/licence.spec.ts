import { randomUUID } from 'node:crypto';
import { webstreamConfigSchema, type WebstreamConfig } from '@webstream/config';
import {
  STREAMER_CHECKIN_INTERVAL_SECONDS,
  streamerCheckinResponseSchema,
  streamerCheckinRoute,
  streamerCheckoutResponseSchema,
  streamerCheckoutRoute,
} from '@webstream/contracts';
import { generateLicenceKeyPair, issueLicence, type LicencePayload } from '@webstream/licence';
import { type TestService } from '@webstream/service-kit/testing';
import { Redis } from 'ioredis';
import { call as request, sleep, TEST_REDIS_URL } from '@webstream/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type LicenceOptions } from '../src/licence/licence-options';
import { LicenceRegistry } from '../src/licence/licence-registry';
import { LicenceModule } from '../src/licence/licence.module';
import { MemorySeatStore } from '../src/licence/memory-seat-store';
import { SEATS_KEY } from '../src/licence/redis-seat-store';
import { DEFAULT_SEAT_TTL_MS } from '../src/licence/seat-store';
import { startBackendFacingGateway } from './backend-facing-gateway';
import { deleteKeys, testKeyPrefix } from './redis-keys';

const PREFIX = testKeyPrefix();
const BACKEND_TOKEN = 'b'.repeat(32);
const DAY = 86_400_000;

const keys = generateLicenceKeyPair();

function licence(overrides: Partial<LicencePayload> = {}, privateKeyPem = keys.privateKeyPem): string {
  return issueLicence(
    {
      licensee: 'Example Ltd',
      maxStreamers: 3,
      issuedAt: new Date(Date.now() - DAY).toISOString(),
      expiresAt: new Date(Date.now() + 30 * DAY).toISOString(),
      kind: 'production',
      ...overrides,
    },
    privateKeyPem,
  );
}

type Store = 'memory' | 'redis';

const METRICS_TOKEN = 'm'.repeat(32);
const scrape = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };

function configFor(
  store: Store,
  gatewayLicence: { key?: string; publicKey?: string } = { key: licence(), publicKey: keys.publicKeyPem },
): WebstreamConfig {
  return webstreamConfigSchema.parse({
    logging: { level: 'silent' },
    metrics: { bearerToken: METRICS_TOKEN },
    gateway: { backend: { token: BACKEND_TOKEN }, licence: gatewayLicence },
    ...(store === 'redis' ? { redis: { url: TEST_REDIS_URL, keyPrefix: PREFIX } } : {}),
  });
}

const running: TestService[] = [];
// Set once a test has put keys under PREFIX, for afterEach to delete.
let redisUsed = false;

async function startGateway(config: WebstreamConfig, options?: LicenceOptions): Promise<TestService> {
  if (config.redis.url !== undefined) redisUsed = true;
  const service = await startBackendFacingGateway(
    config,
    options === undefined ? LicenceModule : LicenceModule.withOptions(options),
  );
  running.push(service);
  return service;
}

interface Answer {
  status: number;
  body: { error?: { message: string; fields?: { path: string }[] } } & Record<string, unknown>;
}

async function call(
  gateway: TestService,
  path: string,
  body: unknown,
  token: string | null = BACKEND_TOKEN,
): Promise<Answer> {
  const answer = await request<Answer['body']>(gateway.url, 'POST', path, {
    body,
    headers: token === null ? {} : { 'x-backend-token': token },
  });
  return { status: answer.status, body: answer.body };
}

const checkin = (gateway: TestService, streamerGuid: string) =>
  call(gateway, streamerCheckinRoute.path, { streamerGuid });
const checkout = (gateway: TestService, streamerGuid: string) =>
  call(gateway, streamerCheckoutRoute.path, { streamerGuid });

afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.close()));
  if (!redisUsed) return;
  redisUsed = false;
  await deleteKeys(PREFIX);
});

describe.each<Store>(['memory', 'redis'])('the licence registry on the %s store', (store) => {
  it('admits a streamer with 200 and the figures, and a re-check-in refreshes it without a second seat', async () => {
    const gateway = await startGateway(configFor(store));
    const guid = randomUUID();
    const first = await checkin(gateway, guid);
    expect(first.status).toBe(200);
    expect(streamerCheckinResponseSchema.parse(first.body)).toEqual({
      status: 'ok',
      activeStreamers: 1,
      licensedSessions: 3,
    });
    for (let i = 0; i < 3; i++) {
      expect(await checkin(gateway, guid)).toEqual({
        status: 200,
        body: { status: 'ok', activeStreamers: 1, licensedSessions: 3 },
      });
    }
    expect(await gateway.app.get(LicenceRegistry).usage()).toEqual({
      valid: true,
      licensee: 'Example Ltd',
      kind: 'production',
      maxStreamers: 3,
      expiresAt: expect.any(String) as string,
      activeStreamers: 1,
    });
  });

  it('refuses with 409 once the cap is reached, while the admitted streamers keep checking in', async () => {
    const gateway = await startGateway(configFor(store));
    const admitted = [randomUUID(), randomUUID(), randomUUID()];
    for (const guid of admitted) expect((await checkin(gateway, guid)).status).toBe(200);
    const refused = await checkin(gateway, randomUUID());
    expect(refused.status).toBe(409);
    expect(refused.body.error?.message).toMatch(/licensed cap of 3 active streamers is reached/);
    for (const guid of admitted) {
      expect(await checkin(gateway, guid)).toMatchObject({ status: 200, body: { activeStreamers: 3 } });
    }
  });

  it('frees the seat on check-out, so another streamer gets it', async () => {
    const gateway = await startGateway(configFor(store));
    const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const guid of [a, b, c]) expect((await checkin(gateway, guid)).status).toBe(200);
    expect((await checkin(gateway, d)).status).toBe(409);

    const out = await checkout(gateway, b);
    expect(out.status).toBe(200);
    expect(streamerCheckoutResponseSchema.parse(out.body)).toEqual({ success: true, activeStreamers: 2 });
    // A second check-out has no seat to free.
    expect(await checkout(gateway, b)).toEqual({ status: 200, body: { success: false, activeStreamers: 2 } });

    expect(await checkin(gateway, d)).toMatchObject({ status: 200, body: { activeStreamers: 3 } });
  });

  it('expires a streamer that stops checking in, and keeps one that checks in', async () => {
    // A seat ttl of 3 s stands in for the three 15 s intervals (that default is checked below).
    const small = await startGateway(
      configFor(store, { key: licence({ maxStreamers: 2 }), publicKey: keys.publicKeyPem }),
      { seatTtlMs: 3_000 },
    );
    const [kept, silent, other] = [randomUUID(), randomUUID(), randomUUID()];

    expect((await checkin(small, kept)).status).toBe(200);
    expect((await checkin(small, silent)).status).toBe(200);
    expect((await checkin(small, other)).status).toBe(409);
    // `kept` checks in every second, as a streamer does every 15 s; `silent` stops. A busy machine only makes
    // `silent` older: `kept` stays 2 s inside its ttl however slow each step is, short of a 2 s stall.
    for (let beat = 0; beat < 4; beat += 1) {
      await sleep(1_000);
      expect((await checkin(small, kept)).status).toBe(200);
    }
    // `silent` was last seen at least 4 s ago: gone. `kept` about 1 s ago: still there.
    expect(await checkin(small, other)).toMatchObject({ status: 200, body: { activeStreamers: 2 } });
    expect((await checkin(small, randomUUID())).status).toBe(409);
    expect(await checkout(small, silent)).toMatchObject({ body: { success: false } });
    expect((await small.app.get(LicenceRegistry).usage()).activeStreamers).toBe(2);
  });
});

describe('refusing without a valid licence (403)', () => {
  const other = generateLicenceKeyPair();
  const signed = licence();
  const [payload, signature] = signed.split('.') as [string, string];
  const raised = Buffer.from(
    JSON.stringify({
      ...(JSON.parse(Buffer.from(payload, 'base64url').toString()) as object),
      maxStreamers: 1000,
    }),
  ).toString('base64url');

  it.each([
    ['no licence', {}, /no licence is configured: set gateway\.licence\.key/],
    ['no public key', { key: signed }, /set gateway\.licence\.publicKey/],
    [
      'an expired licence',
      {
        key: licence({
          issuedAt: new Date(Date.now() - 40 * DAY).toISOString(),
          expiresAt: new Date(Date.now() - DAY).toISOString(),
        }),
        publicKey: keys.publicKeyPem,
      },
      /the licence of Example Ltd expired at/,
    ],
    [
      'a tampered licence (bad signature)',
      { key: `${raised}.${signature}`, publicKey: keys.publicKeyPem },
      /signature/,
    ],
    [
      'a licence signed with another key',
      { key: licence({}, other.privateKeyPem), publicKey: keys.publicKeyPem },
      /signature/,
    ],
    [
      'a licence checked with another public key',
      { key: signed, publicKey: other.publicKeyPem },
      /signature/,
    ],
    ['a malformed licence', { key: 'not-a-licence', publicKey: keys.publicKeyPem }, /malformed/],
  ])('%s', async (_, gatewayLicence, problem) => {
    const gateway = await startGateway(configFor('memory', gatewayLicence));
    const answer = await checkin(gateway, randomUUID());
    expect(answer.status).toBe(403);
    expect(answer.body.error?.message).toMatch(/^no valid licence: /);
    expect(answer.body.error?.message).toMatch(problem);
    // Neither the licence nor a key ever appears in an answer.
    expect(JSON.stringify(answer.body)).not.toContain(signed.slice(0, 16));
    const usage = await gateway.app.get(LicenceRegistry).usage();
    expect(usage).toMatchObject({ valid: false, activeStreamers: 0 });
    expect(usage.problem).toMatch(problem);
    const metrics = await (await fetch(`${gateway.url}/metrics`, scrape)).text();
    expect(metrics).toMatch(/^gateway_licence_capacity\{[^}]*\} 0$/m);
    expect(metrics).toMatch(/^gateway_licence_checkins_total\{outcome="licence-invalid"[^}]*\} 1$/m);
  });

  it('starts refusing when the licence expires while the gateway runs', async () => {
    let now = Date.now();
    // Within a seat's 45 s, so the seat itself is still held when the licence runs out.
    const expiresAt = new Date(now + 30_000).toISOString();
    const gateway = await startGateway(
      configFor('memory', { key: licence({ expiresAt }), publicKey: keys.publicKeyPem }),
      { now: () => now },
    );
    const guid = randomUUID();
    expect((await checkin(gateway, guid)).status).toBe(200);
    now += 30_000;
    const answer = await checkin(gateway, guid);
    expect(answer.status).toBe(403);
    expect(answer.body.error?.message).toContain(`expired at ${expiresAt}`);
    expect(await gateway.app.get(LicenceRegistry).usage()).toMatchObject({
      valid: false,
      licensee: 'Example Ltd',
      expiresAt,
      problem: expect.stringContaining('expired') as string,
    });
    // Check-out still frees the seat.
    expect(await checkout(gateway, guid)).toMatchObject({ status: 200, body: { success: true } });
  });
});

describe('the check-in endpoints', () => {
  it('require the backend credential (401), checked before the body', async () => {
    const gateway = await startGateway(configFor('memory'));
    for (const path of [streamerCheckinRoute.path, streamerCheckoutRoute.path]) {
      for (const token of [null, 'w'.repeat(32)]) {
        const answer = await call(gateway, path, { streamerGuid: randomUUID() }, token);
        expect(answer.status).toBe(401);
        expect(answer.body.error?.message).toMatch(/x-backend-token/);
      }
      expect((await call(gateway, path, { streamerGuid: 'nonsense' }, null)).status).toBe(401);
    }
  });

  it.each([
    ['a GUID that is not a UUID', { streamerGuid: 'not-a-guid' }],
    ['no GUID', {}],
    ['a GUID that is a number', { streamerGuid: 42 }],
  ])('answer 400 naming streamerGuid for %s', async (_, body) => {
    const gateway = await startGateway(configFor('memory'));
    for (const path of [streamerCheckinRoute.path, streamerCheckoutRoute.path]) {
      const answer = await call(gateway, path, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error?.fields?.map((field) => field.path)).toEqual(['streamerGuid']);
    }
    expect((await gateway.app.get(LicenceRegistry).usage()).activeStreamers).toBe(0);
  });

  it('export the figures to Prometheus', async () => {
    const gateway = await startGateway(configFor('memory'));
    for (let i = 0; i < 4; i++) await checkin(gateway, randomUUID());
    const metrics = await (await fetch(`${gateway.url}/metrics`, scrape)).text();
    expect(metrics).toMatch(/^gateway_licence_capacity\{[^}]*\} 3$/m);
    expect(metrics).toMatch(/^gateway_licence_active_streamers\{[^}]*\} 3$/m);
    expect(metrics).toMatch(/^gateway_licence_checkins_total\{outcome="licensed"[^}]*\} 3$/m);
    expect(metrics).toMatch(/^gateway_licence_checkins_total\{outcome="capacity-reached"[^}]*\} 1$/m);
  });
});

describe('the cap under concurrency', () => {
  const CAP = 50;
  const STREAMERS = 1_000;

  async function stampede(gateways: TestService[]): Promise<{ ok: number; full: number; other: number }> {
    const guids = Array.from({ length: STREAMERS }, () => randomUUID());
    const answers = await Promise.all(
      guids.map((guid, index) => checkin(gateways[index % gateways.length]!, guid)),
    );
    const tally = { ok: 0, full: 0, other: 0 };
    for (const { status } of answers) {
      if (status === 200) tally.ok++;
      else if (status === 409) tally.full++;
      else tally.other++;
    }
    return tally;
  }

  const capped = (store: Store) =>
    configFor(store, { key: licence({ maxStreamers: CAP }), publicKey: keys.publicKeyPem });

  it('admits exactly 50 of 1,000 simultaneous check-ins on the memory store', async () => {
    const gateway = await startGateway(capped('memory'));
    expect(await stampede([gateway])).toEqual({ ok: CAP, full: STREAMERS - CAP, other: 0 });
    expect((await gateway.app.get(LicenceRegistry).usage()).activeStreamers).toBe(CAP);
  });

  it('admits exactly 50 of 1,000 simultaneous check-ins spread over two gateways sharing Redis', async () => {
    const gateways = [await startGateway(capped('redis')), await startGateway(capped('redis'))];
    expect(await stampede(gateways)).toEqual({ ok: CAP, full: STREAMERS - CAP, other: 0 });
    const redis = new Redis(TEST_REDIS_URL, { keyPrefix: PREFIX });
    try {
      expect(await redis.zcard(SEATS_KEY)).toBe(CAP);
      // The set disappears on its own once every seat has expired.
      const ttl = await redis.pttl(SEATS_KEY);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(DEFAULT_SEAT_TTL_MS);
    } finally {
      await redis.quit();
    }
    for (const gateway of gateways) {
      expect((await gateway.app.get(LicenceRegistry).usage()).activeStreamers).toBe(CAP);
    }
  });
});

describe('the memory seat store', () => {
  it('frees a seat after three check-in intervals of silence (45 s), not before', async () => {
    expect(DEFAULT_SEAT_TTL_MS).toBe(3 * STREAMER_CHECKIN_INTERVAL_SECONDS * 1000);
    let now = 1_000_000;
    const seats = new MemorySeatStore(DEFAULT_SEAT_TTL_MS, () => now);
    await seats.checkin('a', 1);
    now += 30_000;
    await seats.checkin('b', 2);
    now += 14_999;
    expect(await seats.checkin('c', 2)).toEqual({ admitted: false, activeStreamers: 2 });
    now += 1;
    expect(await seats.count()).toBe(1);
    expect(await seats.checkin('c', 2)).toEqual({ admitted: true, activeStreamers: 2 });
    // `b` (seen 15 s ago) refreshes: both seats now last 45 s from here.
    await seats.checkin('b', 2);
    now += 44_999;
    expect(await seats.count()).toBe(2);
    now += 1;
    expect(await seats.count()).toBe(0);
  });
});
