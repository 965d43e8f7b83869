import { type Redis } from 'ioredis';
import { type SeatCheckin, type SeatCheckout, type SeatStore } from './seat-store';

// The seats are one sorted set: member = streamer GUID, score = its last check-in in ms of the Redis server's
// clock (TIME), so gateways whose clocks disagree still agree on who has expired. Each script first drops the
// seats not refreshed within the ttl (ARGV[1], ms) and keeps the set itself only as long as its newest seat.
// A script runs alone on the server: nothing can take a seat between its count and its ZADD. (TIME before a
// write needs effect replication: Redis 5 or later, or Valkey.)
const EXPIRE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
`;

// ARGV: ttl, GUID, cap. Returns {admitted (1 or 0), seats held}.
const CHECKIN = `${EXPIRE}
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, redis.call('ZCARD', KEYS[1])}
end
return {0, redis.call('ZCARD', KEYS[1])}
`;

// ARGV: ttl, GUID. Returns {released (1 or 0), seats held}.
const CHECKOUT = `${EXPIRE}
local released = redis.call('ZREM', KEYS[1], ARGV[2])
return {released, redis.call('ZCARD', KEYS[1])}
`;

// ARGV: ttl. Returns the seats held.
const COUNT = `${EXPIRE}
return redis.call('ZCARD', KEYS[1])
`;

/** ioredis puts redis.keyPrefix before it. */
export const SEATS_KEY = 'licence:seats';

interface SeatCommands {
  licenceSeatCheckin(key: string, ttlMs: number, guid: string, cap: number): Promise<[number, number]>;
  licenceSeatCheckout(key: string, ttlMs: number, guid: string): Promise<[number, number]>;
  licenceSeatCount(key: string, ttlMs: number): Promise<number>;
}

/** The seats shared by every gateway of a deployment. */
export class RedisSeatStore implements SeatStore {
  private readonly commands: SeatCommands;

  constructor(
    redis: Redis,
    private readonly ttlMs: number,
  ) {
    // Sent as EVALSHA, falling back to EVAL once per connection when the server does not know the script yet.
    redis.defineCommand('licenceSeatCheckin', { numberOfKeys: 1, lua: CHECKIN });
    redis.defineCommand('licenceSeatCheckout', { numberOfKeys: 1, lua: CHECKOUT });
    redis.defineCommand('licenceSeatCount', { numberOfKeys: 1, lua: COUNT });
    this.commands = redis as unknown as SeatCommands;
  }

  async checkin(streamerGuid: string, cap: number): Promise<SeatCheckin> {
    const [admitted, activeStreamers] = await this.commands.licenceSeatCheckin(
      SEATS_KEY,
      this.ttlMs,
      streamerGuid,
      cap,
    );
    return { admitted: admitted === 1, activeStreamers };
  }

  async checkout(streamerGuid: string): Promise<SeatCheckout> {
    const [released, activeStreamers] = await this.commands.licenceSeatCheckout(
      SEATS_KEY,
      this.ttlMs,
      streamerGuid,
    );
    return { released: released === 1, activeStreamers };
  }

  count(): Promise<number> {
    return this.commands.licenceSeatCount(SEATS_KEY, this.ttlMs);
  }
}
