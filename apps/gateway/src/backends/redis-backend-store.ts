import {
  backendStatusSchema,
  type HeartbeatRequest,
  httpUrlSchema,
  type RegisterRequest,
} from '@webstream/contracts';
import { type Redis } from 'ioredis';
import { type BackendRecord, BackendStore } from './backend-store';

// One hash per backend (a field per figure, so a registration and a heartbeat touching different fields never
// overwrite each other), expiring after heartbeatTimeout, plus one sorted set of serverUrls scored by lastSeenAt
// that lists them and says who went silent. Both are written together, in a MULTI or a script.
const key = {
  backend: (serverUrl: string) => `backend:${serverUrl}`,
  seen: 'backends:seen',
};

// KEYS: backend hash, seen set. ARGV: serverUrl, cutoff (silent at or before), now, TTL ms, then the figures.
// Applies only to a live backend, so a heartbeat never revives a silent record or creates a partial one.
const HEARTBEAT = `
local seen = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not seen or tonumber(seen) <= tonumber(ARGV[2]) or redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[5], 'activeSessions', ARGV[6], 'maxSessions', ARGV[7],
  'instanceType', ARGV[8], 'tags', ARGV[9], 'cpuUsage', ARGV[10], 'memoryUsage', ARGV[11],
  'pendingSessions', '0', 'lastSeenAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`;

// KEYS: backend hash, seen set. ARGV: serverUrl, cutoff.
const NOTE_PINNED = `
local seen = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not seen or tonumber(seen) <= tonumber(ARGV[2]) or redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'pendingSessions', 1)
return 1
`;

// KEYS: backend hash, seen set. ARGV: serverUrl, cutoff. Answers 1 only to the gateway whose call removed it.
const REMOVE_SILENT = `
local seen = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not seen or tonumber(seen) > tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
return redis.call('ZREM', KEYS[2], ARGV[1])
`;

/** Backends shared by every gateway; ioredis puts redis.keyPrefix before each key. */
export class RedisBackendStore extends BackendStore {
  constructor(
    private readonly redis: Redis,
    private readonly silenceMs: number,
  ) {
    super();
  }

  async register(registration: RegisterRequest, now: number): Promise<void> {
    const backend = key.backend(registration.serverUrl);
    // A record that went silent but is not swept yet starts afresh, as in memory.
    const seen = await this.redis.zscore(key.seen, registration.serverUrl);
    const fresh = seen === null || Number(seen) <= now - this.silenceMs;
    const transaction = this.redis.multi();
    if (fresh) transaction.del(backend);
    await transaction
      .hset(backend, {
        serverUrl: registration.serverUrl,
        maxSessions: registration.maxSessions,
        instanceType: registration.instanceType,
        ec2InstanceId: registration.ec2InstanceId ?? '',
        tags: JSON.stringify(registration.tags),
        capabilities: JSON.stringify(registration.capabilities),
        version: registration.version,
        publicGatewayUrl: registration.publicGatewayUrl ?? '',
        lastSeenAt: now,
      })
      .hsetnx(backend, 'registeredAt', now)
      .hsetnx(backend, 'activeSessions', 0)
      .hsetnx(backend, 'status', 'healthy')
      .hsetnx(backend, 'cpuUsage', '')
      .hsetnx(backend, 'memoryUsage', '')
      .hsetnx(backend, 'pendingSessions', 0)
      .pexpire(backend, this.silenceMs)
      .zadd(key.seen, now, registration.serverUrl)
      .exec();
  }

  async heartbeat(heartbeat: HeartbeatRequest, now: number): Promise<boolean> {
    const applied = await this.redis.eval(
      HEARTBEAT,
      2,
      key.backend(heartbeat.serverUrl),
      key.seen,
      heartbeat.serverUrl,
      now - this.silenceMs,
      now,
      this.silenceMs,
      heartbeat.status,
      heartbeat.activeSessions,
      heartbeat.maxSessions,
      heartbeat.instanceType,
      JSON.stringify(heartbeat.tags),
      heartbeat.cpuUsage,
      heartbeat.memoryUsage,
    );
    return applied === 1;
  }

  async unregister(serverUrl: string): Promise<boolean> {
    const results = await this.redis.multi().del(key.backend(serverUrl)).zrem(key.seen, serverUrl).exec();
    return (results ?? []).some(([error, count]) => error === null && count === 1);
  }

  async notePinned(serverUrl: string, now: number): Promise<boolean> {
    const applied = await this.redis.eval(
      NOTE_PINNED,
      2,
      key.backend(serverUrl),
      key.seen,
      serverUrl,
      now - this.silenceMs,
    );
    return applied === 1;
  }

  async list(now: number): Promise<BackendRecord[]> {
    const cutoff = now - this.silenceMs;
    const serverUrls = await this.redis.zrangebyscore(key.seen, `(${cutoff}`, '+inf');
    if (serverUrls.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const serverUrl of serverUrls) pipeline.hgetall(key.backend(serverUrl));
    const hashes = (await pipeline.exec()) ?? [];
    return hashes
      .flatMap(([error, hash]) => {
        const record = error === null ? recordFrom(hash as Record<string, string>) : undefined;
        return record !== undefined && record.lastSeenAt > cutoff ? [record] : [];
      })
      .sort((a, b) => a.serverUrl.localeCompare(b.serverUrl));
  }

  async get(serverUrl: string, now: number): Promise<BackendRecord | undefined> {
    const record = recordFrom(await this.redis.hgetall(key.backend(serverUrl)));
    return record !== undefined && record.lastSeenAt > now - this.silenceMs ? record : undefined;
  }

  async removeSilent(now: number): Promise<string[]> {
    const cutoff = now - this.silenceMs;
    const silent = await this.redis.zrangebyscore(key.seen, '-inf', cutoff);
    const removed: string[] = [];
    for (const serverUrl of silent) {
      const answer = await this.redis.eval(
        REMOVE_SILENT,
        2,
        key.backend(serverUrl),
        key.seen,
        serverUrl,
        cutoff,
      );
      if (answer === 1) removed.push(serverUrl);
    }
    return removed;
  }
}

function numberOr<T>(value: string | undefined, fallback: T): number | T {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : fallback;
}

function stringList(value: string | undefined): string[] {
  if (value === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/** A stored hash back to a record; undefined for a missing (expired) or incomplete one. */
function recordFrom(hash: Record<string, string>): BackendRecord | undefined {
  const { serverUrl, instanceType, version } = hash;
  const maxSessions = numberOr(hash.maxSessions, undefined);
  const registeredAt = numberOr(hash.registeredAt, undefined);
  const lastSeenAt = numberOr(hash.lastSeenAt, undefined);
  if (
    serverUrl === undefined ||
    instanceType === undefined ||
    version === undefined ||
    maxSessions === undefined ||
    registeredAt === undefined ||
    lastSeenAt === undefined
  ) {
    return undefined;
  }
  const status = backendStatusSchema.safeParse(hash.status);
  const publicGatewayUrl = httpUrlSchema.safeParse(hash.publicGatewayUrl);
  return {
    ...(publicGatewayUrl.success ? { publicGatewayUrl: publicGatewayUrl.data } : {}),
    serverUrl,
    maxSessions,
    instanceType,
    ec2InstanceId: hash.ec2InstanceId ? hash.ec2InstanceId : null,
    tags: stringList(hash.tags),
    capabilities: stringList(hash.capabilities),
    version,
    activeSessions: numberOr(hash.activeSessions, 0),
    status: status.success ? status.data : 'healthy',
    cpuUsage: numberOr(hash.cpuUsage, null),
    memoryUsage: numberOr(hash.memoryUsage, null),
    pendingSessions: numberOr(hash.pendingSessions, 0),
    registeredAt,
    lastSeenAt,
  };
}
