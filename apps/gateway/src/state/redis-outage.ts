import { type KnownError } from '@webstream/service-kit';

/** What a shared-state outage costs a request before it is answered: ioredis gives up on the command. */
const STATE_STORE_RETRY_AFTER_SECONDS = 5;

/**
 * ioredis giving up on a command because Redis cannot be reached (its retries per request ran out, or the
 * connection is closed), as opposed to Redis answering with an error: a 503 a retry can fix.
 */
export function redisOutage(error: unknown): KnownError | undefined {
  const unreachable =
    error instanceof Error &&
    (error.name === 'MaxRetriesPerRequestError' ||
      error.message === 'Connection is closed.' ||
      error.message.startsWith("Stream isn't writeable"));
  if (!unreachable) return undefined;
  return {
    status: 503,
    message: 'the shared state (Redis) cannot be reached; try again shortly',
    retryAfterSeconds: STATE_STORE_RETRY_AFTER_SECONDS,
  };
}
