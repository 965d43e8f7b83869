// Just enough of a Redis client for the bench's own housekeeping (is the server there, how many keys does a
// prefix hold, delete them): RESP2 over one TCP connection, one command at a time. The gateway itself talks to
// Redis through ioredis; the bench needs no dependency for this.
import { connect, type Socket } from 'node:net';

export type RespValue = string | number | null | RespValue[];

class RespError extends Error {}

/** Parses one reply from the start of `buffer`; undefined when it is not complete yet. */
function parseReply(buffer: Buffer, start = 0): { value: RespValue | RespError; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[start]!);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RespError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < length; i += 1) {
        const item = parseReply(buffer, at);
        if (item === undefined) return undefined;
        if (item.value instanceof RespError) return { value: item.value, end: item.end };
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}

function encode(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''));
}

export class RedisConnection {
  private pending: Buffer = Buffer.alloc(0);
  private waiting: { done: (value: RespValue) => void; fail: (error: Error) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.deliver();
    });
    socket.on('error', (error) => this.waiting?.fail(error));
    socket.on('close', () => this.waiting?.fail(new Error('the Redis connection closed')));
  }

  /** Connects to a redis:// URL (its password and database number, if any, are applied). */
  static async open(url: string, timeoutMs = 3_000): Promise<RedisConnection> {
    const parsed = new URL(url);
    if (parsed.protocol !== 'redis:')
      throw new Error(`only redis:// URLs are supported, not ${parsed.protocol}`);
    const socket = connect({ host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 6379) });
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => {
        socket.destroy();
        fail(new Error(`no connection to ${parsed.host} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        done();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        fail(error);
      });
    });
    const redis = new RedisConnection(socket);
    if (parsed.password) {
      const user = decodeURIComponent(parsed.username);
      const password = decodeURIComponent(parsed.password);
      await redis.command(...(user ? ['AUTH', user, password] : ['AUTH', password]));
    }
    const database = parsed.pathname.replace(/^\//, '');
    if (database) await redis.command('SELECT', database);
    return redis;
  }

  command(...args: string[]): Promise<RespValue> {
    const run = this.queue.then(
      () =>
        new Promise<RespValue>((done, fail) => {
          this.waiting = { done, fail };
          this.socket.write(encode(args));
        }),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Every key matching `pattern`, by SCAN (never KEYS, which blocks the server). */
  async scan(pattern: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = (await this.command('SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000')) as [
        string,
        string[],
      ];
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }

  /** Deletes every key starting with `prefix`; answers how many there were. */
  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.scan(`${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`);
    for (let i = 0; i < keys.length; i += 500) await this.command('UNLINK', ...keys.slice(i, i + 500));
    return keys.length;
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private deliver(): void {
    while (this.waiting !== undefined && this.pending.length > 0) {
      const reply = parseReply(this.pending);
      if (reply === undefined) return;
      this.pending = this.pending.subarray(reply.end);
      const waiting = this.waiting;
      this.waiting = undefined;
      if (reply.value instanceof RespError) waiting.fail(reply.value);
      else waiting.done(reply.value);
    }
  }
}
