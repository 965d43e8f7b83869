import { type CloseReason } from '@webstream/contracts';
import { type Redis } from 'ioredis';
import {
  ENDED_SESSION_RETENTION_SECONDS,
  parseSessionRecord,
  type ReserveOutcome,
  type SessionPatch,
  type SessionRecord,
  SessionStore,
  type SlotLimits,
} from './session-record';

// KEYS: session, workspace's running set, user's running set, every running session.
// ARGV: session id, record JSON, workspace cap (-1 = none), user cap.
// One script, so the counts it checks cannot change before it takes the slot, whichever gateway runs it.
const RESERVE = `
local existing = redis.call('GET', KEYS[1])
if existing then
  local record = cjson.decode(existing)
  if record.state ~= 'ended' then return {'exists', existing} end
end
local workspaceMax = tonumber(ARGV[3])
if workspaceMax >= 0 and redis.call('SCARD', KEYS[2]) >= workspaceMax then return {'workspace-full'} end
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[4]) then return {'user-limit'} end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
return {'reserved'}
`;

// KEYS: session, workspace's running set, user's running set, every running session.
// ARGV: session id, ended record JSON, retention seconds. Releasing twice changes nothing the second time.
const RELEASE = `
local existing = redis.call('GET', KEYS[1])
if not existing then return false end
local record = cjson.decode(existing)
if record.state == 'ended' then return existing end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
return existing
`;

// KEYS: session. ARGV: patch JSON, updatedAt. Only a running session changes.
const UPDATE = `
local existing = redis.call('GET', KEYS[1])
if not existing then return false end
local record = cjson.decode(existing)
if record.state == 'ended' then return false end
for field, value in pairs(cjson.decode(ARGV[1])) do record[field] = value end
record.updatedAt = ARGV[2]
local updated = cjson.encode(record)
redis.call('SET', KEYS[1], updated)
return updated
`;

const key = {
  session: (id: string) => `session:${id}`,
  workspace: (id: string) => `workspace-sessions:${id}`,
  user: (id: string) => `user-sessions:${id}`,
  running: 'sessions',
  affinity: (userId: string) => `affinity:${userId}`,
  turn: 'balancer-turn',
};

/** Sessions shared by every gateway; ioredis puts redis.keyPrefix before each key. */
export class RedisSessionStore extends SessionStore {
  constructor(private readonly redis: Redis) {
    super();
  }

  async reserve(record: SessionRecord, limits: SlotLimits): Promise<ReserveOutcome> {
    const answer = (await this.redis.eval(
      RESERVE,
      4,
      key.session(record.sessionId),
      key.workspace(record.workspaceId),
      key.user(record.userId),
      key.running,
      record.sessionId,
      JSON.stringify(record),
      String(limits.workspaceMax ?? -1),
      String(limits.userMax),
    )) as [string, string?];
    const [outcome, existing] = answer;
    switch (outcome) {
      case 'exists':
        return { outcome, record: parseSessionRecord(existing!) };
      case 'reserved':
      case 'workspace-full':
      case 'user-limit':
        return { outcome };
      default:
        throw new Error(`unexpected answer from the reserve script: ${outcome}`);
    }
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const json = await this.redis.get(key.session(sessionId));
    return json === null ? undefined : parseSessionRecord(json);
  }

  async update(sessionId: string, patch: SessionPatch): Promise<SessionRecord | undefined> {
    const updated = (await this.redis.eval(
      UPDATE,
      1,
      key.session(sessionId),
      JSON.stringify(patch),
      new Date().toISOString(),
    )) as string | null;
    return updated === null ? undefined : parseSessionRecord(updated);
  }

  async release(sessionId: string, endedReason?: CloseReason): Promise<SessionRecord | undefined> {
    const current = await this.get(sessionId);
    if (current === undefined || current.state === 'ended') return current;
    const ended: SessionRecord = {
      ...current,
      state: 'ended',
      updatedAt: new Date().toISOString(),
      ...(endedReason === undefined ? {} : { endedReason }),
    };
    const before = (await this.redis.eval(
      RELEASE,
      4,
      key.session(sessionId),
      key.workspace(current.workspaceId),
      key.user(current.userId),
      key.running,
      sessionId,
      JSON.stringify(ended),
      String(ENDED_SESSION_RETENTION_SECONDS),
    )) as string | null;
    return before === null ? undefined : parseSessionRecord(before);
  }

  async active(): Promise<SessionRecord[]> {
    const ids = await this.redis.smembers(key.running);
    if (ids.length === 0) return [];
    const records = await this.redis.mget(ids.map(key.session));
    return records.flatMap((json) => (json === null ? [] : [parseSessionRecord(json)]));
  }

  async affinity(userId: string): Promise<string | undefined> {
    return (await this.redis.get(key.affinity(userId))) ?? undefined;
  }

  async setAffinity(userId: string, serverUrl: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(key.affinity(userId), serverUrl, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }

  async nextTurn(): Promise<number> {
    return (await this.redis.incr(key.turn)) - 1;
  }
}
