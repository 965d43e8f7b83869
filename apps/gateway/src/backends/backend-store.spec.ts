import { randomBytes } from 'node:crypto';
import { type HeartbeatRequest, type RegisterRequest } from '@webstream/contracts';
import { TEST_REDIS_URL } from '@webstream/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendStore } from './backend-store';
import { MemoryBackendStore } from './memory-backend-store';
import { RedisBackendStore } from './redis-backend-store';

const SILENCE_MS = 30_000;

function registration(serverUrl: string, overrides: Partial<RegisterRequest> = {}): RegisterRequest {
  return {
    serverUrl,
    maxSessions: 8,
    instanceType: 'm5.large',
    ec2InstanceId: null,
    tags: ['a'],
    capabilities: ['audio'],
    version: '1.0.0',
    ...overrides,
  };
}

function heartbeat(serverUrl: string, overrides: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return {
    serverUrl,
    status: 'healthy',
    activeSessions: 1,
    maxSessions: 8,
    instanceType: 'm5.large',
    tags: ['a'],
    cpuUsage: 10,
    memoryUsage: 20,
    timestamp: new Date().toISOString(),
    ...overrides,
  };
}

// The same contract for both stores; time is passed in, so silence needs no waiting.
function storeContract(name: string, create: () => BackendStore) {
  describe(name, () => {
    let store: BackendStore;
    let url: string;
    let t0: number;

    beforeAll(() => {
      store = create();
    });

    it('registers, keeps registeredAt and the heartbeat figures on re-registration', async () => {
      url = `http://10.0.0.${Math.floor(Math.random() * 200) + 1}:9005`;
      t0 = Date.now();
      await store.register(registration(url), t0);
      expect(await store.get(url, t0)).toMatchObject({
        serverUrl: url,
        activeSessions: 0,
        pendingSessions: 0,
        status: 'healthy',
        cpuUsage: null,
        memoryUsage: null,
        ec2InstanceId: null,
        registeredAt: t0,
        lastSeenAt: t0,
      });
      expect(
        await store.heartbeat(heartbeat(url, { status: 'draining', activeSessions: 3 }), t0 + 1_000),
      ).toBe(true);
      await store.register(registration(url, { maxSessions: 16, capabilities: [] }), t0 + 2_000);
      expect(await store.get(url, t0 + 2_000)).toMatchObject({
        maxSessions: 16,
        capabilities: [],
        status: 'draining',
        activeSessions: 3,
        cpuUsage: 10,
        registeredAt: t0,
        lastSeenAt: t0 + 2_000,
      });
      expect((await store.list(t0 + 2_000)).map((record) => record.serverUrl)).toEqual([url]);
    });

    it('counts pins until a heartbeat', async () => {
      expect(await store.notePinned(url, t0 + 2_100)).toBe(true);
      expect(await store.notePinned(url, t0 + 2_200)).toBe(true);
      expect((await store.get(url, t0 + 2_200))?.pendingSessions).toBe(2);
      await store.heartbeat(heartbeat(url), t0 + 3_000);
      expect((await store.get(url, t0 + 3_000))?.pendingSessions).toBe(0);
    });

    it('treats a record silent for heartbeatTimeout as gone, then removes it once', async () => {
      const silentAt = t0 + 3_000 + SILENCE_MS;
      expect(await store.get(url, silentAt - 1)).toBeDefined();
      expect(await store.get(url, silentAt)).toBeUndefined();
      expect(await store.list(silentAt)).toEqual([]);
      expect(await store.heartbeat(heartbeat(url), silentAt)).toBe(false);
      expect(await store.notePinned(url, silentAt)).toBe(false);
      expect(await store.removeSilent(silentAt - 1)).toEqual([]);
      expect(await store.removeSilent(silentAt)).toEqual([url]);
      expect(await store.removeSilent(silentAt)).toEqual([]);
      expect(await store.unregister(url)).toBe(false);
    });

    it('starts afresh when a silent record registers again, and unregisters', async () => {
      const later = t0 + 10 * SILENCE_MS;
      await store.register(registration(url), t0);
      await store.register(registration(url), later);
      expect(await store.get(url, later)).toMatchObject({ registeredAt: later, activeSessions: 0 });
      expect(await store.unregister(url)).toBe(true);
      expect(await store.get(url, later)).toBeUndefined();
      expect(await store.unregister(url)).toBe(false);
    });
  });
}

storeContract('MemoryBackendStore', () => new MemoryBackendStore(SILENCE_MS));

describe('RedisBackendStore (a real Redis at TEST_REDIS_URL)', () => {
  const keyPrefix = `test:${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(TEST_REDIS_URL, { keyPrefix, lazyConnect: true });
  const admin = new Redis(TEST_REDIS_URL, { lazyConnect: true });

  beforeAll(async () => {
    await redis.connect();
    await admin.connect();
  });

  afterAll(async () => {
    const keys = await admin.keys(`${keyPrefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await redis.quit();
    await admin.quit();
  });

  storeContract('contract', () => new RedisBackendStore(redis, SILENCE_MS));
});
