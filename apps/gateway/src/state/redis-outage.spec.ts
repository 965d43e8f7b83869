import { describe, expect, it } from 'vitest';
import { redisOutage } from './redis-outage';

describe('a Redis outage, as a request meets it', () => {
  it('is a 503 with Retry-After when ioredis gives up on a command, which a retry can fix', () => {
    // What ioredis rejects a command with once Redis has been unreachable for its retries.
    const gaveUp = Object.assign(new Error('Reached the max retries per request limit (which is 2).'), {
      name: 'MaxRetriesPerRequestError',
    });
    for (const error of [
      gaveUp,
      new Error('Connection is closed.'),
      new Error("Stream isn't writeable and …"),
    ]) {
      expect(redisOutage(error)).toMatchObject({
        status: 503,
        retryAfterSeconds: 5,
        message: expect.stringMatching(/Redis/),
      });
    }
  });

  it('is not Redis answering with an error, nor anything else', () => {
    expect(
      redisOutage(new Error('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ).toBeUndefined();
    expect(redisOutage('Connection is closed.')).toBeUndefined();
  });
});
