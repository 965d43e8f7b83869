import { randomBytes } from 'node:crypto';
import { defaultPolicy, encodeWorkspaceHeaders, type WorkspaceContract } from '@webstream/contracts';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../src/sessions/memory-session-store';
import { RedisSessionStore } from '../src/sessions/redis-session-store';
import { type SessionRecord, type SessionStore } from '../src/sessions/session-record';
import { deleteKeys, testKeyPrefix } from './redis-keys';

function record(sessionId: string, userId: string, workspaceId = 'ws-1'): SessionRecord {
  const contract: WorkspaceContract = {
    workspaceId,
    workspaceName: 'Office',
    workspaceType: 'app',
    appId: 'app-1',
    appExe: 'xterm',
    appArgs: '',
    userId,
    username: userId,
    orgId: 'org-1',
    policy: defaultPolicy,
  };
  const now = new Date().toISOString();
  return {
    sessionId,
    userId,
    username: userId,
    orgId: 'org-1',
    workspaceId,
    appId: 'app-1',
    contract,
    contractHeaders: encodeWorkspaceHeaders(contract),
    backend: 'http://host:9005',
    state: 'reserved',
    createdAt: now,
    updatedAt: now,
  };
}

const prefix = testKeyPrefix();
const connections: Redis[] = [];
function redis(): Redis {
  const connection = new Redis(TEST_REDIS_URL, { keyPrefix: prefix });
  connections.push(connection);
  return connection;
}

afterAll(async () => {
  await deleteKeys(prefix);
  await Promise.all(connections.filter((c) => c.status !== 'end').map((connection) => connection.quit()));
});

describe.each([
  ['memory', () => new MemorySessionStore()],
  ['redis', () => new RedisSessionStore(redis())],
])('the %s session store', (_name, make: () => SessionStore) => {
  let store: SessionStore;
  let run: string;

  beforeAll(() => {
    store = make();
    run = randomBytes(4).toString('hex');
  });

  it('reserves a session once and answers the existing record for its id again', async () => {
    const first = record(`s-${run}-1`, `u-${run}`);
    expect(await store.reserve(first, { workspaceMax: null, userMax: 5 })).toEqual({ outcome: 'reserved' });
    expect(await store.reserve({ ...first, appId: 'other' }, { workspaceMax: null, userMax: 5 })).toEqual({
      outcome: 'exists',
      record: first,
    });
    expect(await store.get(first.sessionId)).toEqual(first);
  });

  it('admits exactly the cap of concurrent reservations, then frees a slot on release', async () => {
    const workspaceId = `ws-${run}`;
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.reserve(record(`c-${run}-${i}`, `user-${run}-${i}`, workspaceId), {
          workspaceMax: 7,
          userMax: 5,
        }),
      ),
    );
    expect(outcomes.filter((o) => o.outcome === 'reserved')).toHaveLength(7);
    expect(outcomes.filter((o) => o.outcome === 'workspace-full')).toHaveLength(193);
    const admitted = (await store.active()).filter((session) => session.workspaceId === workspaceId);
    expect(admitted).toHaveLength(7);
    const released = await store.release(admitted[0]!.sessionId, 'session-ended');
    expect(released?.state).toBe('reserved');
    expect(await store.get(admitted[0]!.sessionId)).toMatchObject({
      state: 'ended',
      endedReason: 'session-ended',
    });
    // Releasing again changes nothing.
    expect(await store.release(admitted[0]!.sessionId)).toMatchObject({ state: 'ended' });
    expect((await store.active()).filter((session) => session.workspaceId === workspaceId)).toHaveLength(6);
    expect(
      await store.reserve(record(`c-${run}-late`, `late-${run}`, workspaceId), {
        workspaceMax: 7,
        userMax: 5,
      }),
    ).toEqual({ outcome: 'reserved' });
  });

  it('limits the sessions of one user', async () => {
    const user = `heavy-${run}`;
    const limits = { workspaceMax: null, userMax: 2 };
    expect((await store.reserve(record(`h-${run}-1`, user, 'w1'), limits)).outcome).toBe('reserved');
    expect((await store.reserve(record(`h-${run}-2`, user, 'w2'), limits)).outcome).toBe('reserved');
    expect((await store.reserve(record(`h-${run}-3`, user, 'w3'), limits)).outcome).toBe('user-limit');
  });

  it('keeps affinity for its time-to-live only', async () => {
    await store.setAffinity(`a-${run}`, 'http://host-a:9005', 1);
    expect(await store.affinity(`a-${run}`)).toBe('http://host-a:9005');
    await new Promise((done) => setTimeout(done, 1_100));
    expect(await store.affinity(`a-${run}`)).toBeUndefined();
  });

  it('counts turns without gaps', async () => {
    const turns = await Promise.all(Array.from({ length: 20 }, () => store.nextTurn()));
    const sorted = [...turns].sort((x, y) => x - y);
    expect(sorted.at(-1)! - sorted[0]!).toBe(19);
    expect(new Set(turns).size).toBe(20);
  });
});

describe('the Redis session store across gateways', () => {
  it('keeps sessions, slots and affinity when a gateway restarts, and shares them with another', async () => {
    const run = randomBytes(4).toString('hex');
    const first = new RedisSessionStore(redis());
    const session = record(`r-${run}`, `ru-${run}`, `rw-${run}`);
    expect((await first.reserve(session, { workspaceMax: 1, userMax: 5 })).outcome).toBe('reserved');
    await first.setAffinity(session.userId, session.backend, 60);
    await connections.at(-1)!.quit();

    const restarted = new RedisSessionStore(redis());
    expect(await restarted.get(session.sessionId)).toEqual(session);
    expect(await restarted.affinity(session.userId)).toBe(session.backend);
    expect(
      (
        await restarted.reserve(record(`r2-${run}`, `other-${run}`, `rw-${run}`), {
          workspaceMax: 1,
          userMax: 5,
        })
      ).outcome,
    ).toBe('workspace-full');
  });

  it('refuses a record in Redis that is no session record, naming the field, instead of trusting it', async () => {
    const run = randomBytes(4).toString('hex');
    const writer = redis();
    const store = new RedisSessionStore(writer);
    const { state: _dropped, ...withoutState } = record(`bad-${run}`, `bu-${run}`);
    // As a gateway of another version might have written it.
    await writer.set(
      `session:bad-${run}`,
      JSON.stringify({ ...withoutState, streamer: { host: 'h', port: 'x' } }),
    );
    await expect(store.get(`bad-${run}`)).rejects.toThrow(/not one: (state|streamer\.port|streamer\.secret)/);
  });
});
