import { type Redis } from 'ioredis';
import { bucketWidthMs, type WindowLimit, type WindowsOutcome } from './sliding-window';

// The sliding windows of sliding-window.ts, shared by every gateway: one hash per window, field <bucket
// index> = requests in that bucket, plus 'n' (the window's total) and 'o' (its oldest non-empty bucket),
// so a call touches only the buckets that left the window since the last one (each bucket index is
// stepped over once in a key's life) and never sums the whole window. The clock is the Redis server's
// (TIME), so gateways whose clocks disagree still agree on the window; the key lives until its newest
// bucket has left it. One script charges all the request's windows (identity and tenant) or none: it runs
// alone on the server, so nothing can slip in between a check and its increment. (TIME before a write
// needs effect replication: Redis 5 or later, or Valkey.)
//
// KEYS: the windows. ARGV: force (1 counts the request whatever the windows hold), then per key: limit,
// window ms, bucket width ms. Returns {admitted (1 or 0), then per key: count, reset ms} as
// MemorySlidingWindows.hit does.
const HIT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local windows = {}
local admitted = true
for i = 1, #KEYS do
  local w = { key = KEYS[i], limit = tonumber(ARGV[3 * i - 1]), span = tonumber(ARGV[3 * i]), width = tonumber(ARGV[3 * i + 1]) }
  w.current = math.floor(now / w.width)
  local first = math.floor((now - w.span) / w.width)
  local state = redis.call('HMGET', w.key, 'n', 'o')
  w.total = tonumber(state[1]) or 0
  w.oldest = tonumber(state[2])
  if w.oldest == nil then w.total = 0 end
  local pruned = false
  while w.total > 0 and w.oldest < first do
    w.total = w.total - (tonumber(redis.call('HGET', w.key, w.oldest)) or 0)
    redis.call('HDEL', w.key, w.oldest)
    pruned = true
    w.oldest = w.oldest + 1
    while w.total > 0 and w.oldest < w.current and redis.call('HEXISTS', w.key, w.oldest) == 0 do
      w.oldest = w.oldest + 1
    end
  end
  if w.total <= 0 then
    w.total = 0
    w.oldest = nil
    if pruned then redis.call('DEL', w.key) end
  elseif pruned then
    redis.call('HSET', w.key, 'n', w.total, 'o', w.oldest)
  end
  if w.total >= w.limit then admitted = false end
  windows[i] = w
end
if ARGV[1] == '1' then admitted = true end
local reply = { admitted and 1 or 0 }
for i, w in ipairs(windows) do
  if admitted then
    redis.call('HINCRBY', w.key, w.current, 1)
    w.total = w.total + 1
    if w.oldest == nil or w.current < w.oldest then w.oldest = w.current end
    redis.call('HSET', w.key, 'n', w.total, 'o', w.oldest)
    redis.call('PEXPIRE', w.key, math.max(1, (w.current + 1) * w.width + w.span - now))
  end
  local reset = 0
  if w.total > 0 then
    local needed = math.max(1, w.total - w.limit + 1)
    local freed = 0
    local bucket = w.oldest
    while bucket <= w.current do
      freed = freed + (tonumber(redis.call('HGET', w.key, bucket)) or 0)
      if freed >= needed then
        reset = math.max(0, (bucket + 1) * w.width + w.span - now)
        break
      end
      bucket = bucket + 1
    end
  end
  reply[2 * i] = w.total
  reply[2 * i + 1] = reset
end
return reply
`;

interface HitCommand {
  rateLimitHit(keyCount: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

/** The shared sliding windows (ioredis puts redis.keyPrefix before the keys). */
export class RedisSlidingWindows {
  private readonly commands: HitCommand;

  constructor(redis: Redis) {
    // Sent as EVALSHA, falling back to EVAL once per connection when the server does not know the script
    // yet; no numberOfKeys: the first argument says how many keys follow (one or two windows).
    redis.defineCommand('rateLimitHit', { lua: HIT });
    this.commands = redis as unknown as HitCommand;
  }

  async hit(limits: readonly WindowLimit[], force = false): Promise<WindowsOutcome> {
    const args: number[] = [force ? 1 : 0];
    for (const limit of limits) args.push(limit.limit, limit.windowMs, bucketWidthMs(limit.windowMs));
    const reply = await this.commands.rateLimitHit(
      limits.length,
      ...limits.map((limit) => limit.key),
      ...args,
    );
    return {
      admitted: reply[0] === 1,
      windows: limits.map((_, i) => ({ count: reply[2 * i + 1] ?? 0, resetMs: reply[2 * i + 2] ?? 0 })),
    };
  }
}
