import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CORRELATION_ID_HEADER = 'x-correlation-id';

const storage = new AsyncLocalStorage<string>();
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's correlation id when it is a sane token, otherwise a new one. */
export function correlationIdFrom(req: IncomingMessage): string {
  const given = req.headers[CORRELATION_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value && ACCEPTABLE_ID.test(value) ? value : randomUUID();
}

/** The correlation id of the request being served, if any. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}

export function runWithCorrelationId<T>(id: string, work: () => T): T {
  return storage.run(id, work);
}

/** Express middleware: answers with the id and makes it current for everything the request starts. */
export function correlationMiddleware(
  req: IncomingMessage & { id?: unknown },
  res: ServerResponse,
  next: () => void,
): void {
  const id = typeof req.id === 'string' ? req.id : correlationIdFrom(req);
  req.id = id;
  res.setHeader(CORRELATION_ID_HEADER, id);
  storage.run(id, next);
}
