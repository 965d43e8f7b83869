import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { type ServiceTracing, traceContextHeaders } from '../tracing/service-tracing';

export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** What the request being served makes current for everything it starts. */
interface RequestContext {
  correlationId: string;
  /** Aborts when its client goes away before the answer is complete. */
  clientGone: AbortSignal | undefined;
  /** The request's span, when tracing is on. */
  span: Span | undefined;
}

/** What a request makes current beside its correlation id. */
export interface RequestScope {
  clientGone?: AbortSignal | undefined;
  span?: Span | undefined;
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

/** The span of the request being served, when tracing is on: the parent of what the request starts. */
export function currentSpan(): Span | undefined {
  return storage.getStore()?.span;
}

/** The W3C `traceparent` of the request being served, when it is traced: what its records are stamped with. */
export function currentTraceparent(): string | undefined {
  const span = currentSpan();
  return span === undefined ? undefined : traceContextHeaders(span)['traceparent'];
}

export function runWithCorrelationId<T>(id: string, work: () => T, scope: RequestScope = {}): T {
  return storage.run({ correlationId: id, clientGone: scope.clientGone, span: scope.span }, work);
}

/**
 * The request's span, started now and ended when its answer is complete or its client goes away, with the
 * status; `routeOf` names what served it once that is known.
 */
export function requestSpan(
  tracing: ServiceTracing,
  req: IncomingMessage,
  res: ServerResponse,
  routeOf: () => string | undefined,
): Span | undefined {
  const span = tracing.startRequestSpan(req.headers, {
    'http.request.method': req.method ?? 'GET',
    'url.path': (req.url ?? '/').split('?', 1)[0] ?? '/',
  });
  if (!span) return undefined;
  res.once('close', () => {
    const route = routeOf();
    if (route !== undefined) span.setAttribute('http.route', route);
    span.setAttribute('http.response.status_code', res.statusCode);
    if (!res.writableFinished)
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
    else if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  return span;
}

/**
 * Express middleware: answers with the correlation id and makes it, the client's going away and the request's
 * span current for everything the request starts.
 */
export function requestContextMiddleware(
  tracing: ServiceTracing,
  routeOf: (req: IncomingMessage) => string | undefined,
) {
  return (req: IncomingMessage & { id?: unknown }, res: ServerResponse, next: () => void): void => {
    const id = typeof req.id === 'string' ? req.id : correlationIdFrom(req);
    req.id = id;
    res.setHeader(CORRELATION_ID_HEADER, id);
    const span = requestSpan(tracing, req, res, () => routeOf(req));
    storage.run({ correlationId: id, clientGone: clientGoneSignal(res), span }, next);
  };
}
