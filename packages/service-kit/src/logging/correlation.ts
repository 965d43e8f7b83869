import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** What the request being served makes current for everything it starts. */
interface RequestContext {
  correlationId: string;
  /** Aborts when its client goes away before the answer is complete. */
  clientGone: AbortSignal | undefined;
}

const storage = new AsyncLocalStorage<RequestContext>();
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's correlation id when it is a sane token, otherwise a new one. */
export function correlationIdFrom(req: IncomingMessage): string {
  const given = req.headers[CORRELATION_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value && ACCEPTABLE_ID.test(value) ? value : randomUUID();
}

/** The correlation id of the request being served, if any. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/**
 * The signal that aborts when the client of the request being served goes away before its answer: a call made
 * only to answer that client passes it, so the peer stops working for nobody. A call whose effect must happen
 * whatever the client does (ending a session on its host) does not.
 */
export function currentRequestSignal(): AbortSignal | undefined {
  return storage.getStore()?.clientGone;
}

/** A signal that aborts when `res` closes before it has been answered in full (its client went away). */
export function clientGoneSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client went away'));
  });
  return controller.signal;
}

export function runWithCorrelationId<T>(id: string, work: () => T, clientGone?: AbortSignal): T {
  return storage.run({ correlationId: id, clientGone }, work);
}

/** Express middleware: answers with the id and makes it (and the client's going away) current for everything the request starts. */
export function correlationMiddleware(
  req: IncomingMessage & { id?: unknown },
  res: ServerResponse,
  next: () => void,
): void {
  const id = typeof req.id === 'string' ? req.id : correlationIdFrom(req);
  req.id = id;
  res.setHeader(CORRELATION_ID_HEADER, id);
  storage.run({ correlationId: id, clientGone: clientGoneSignal(res) }, next);
}
