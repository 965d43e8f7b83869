import { type TLSSocket } from 'node:tls';
import { type WebstreamConfig } from '@webstream/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

const HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600;

/**
 * helmet's headers on every answer of every service: a strict Content-Security-Policy (no inline script or
 * style, the web client's own origin only, frames by gateway.frameAncestors), nosniff, no referrer across
 * origins, no X-Powered-By; and Strict-Transport-Security on answers sent over TLS, where it means something.
 */
export function securityHeaders(config: WebstreamConfig) {
  const everywhere = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Frames are drawn from decoded blobs; the decoder runs in a worker of the client's own.
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        workerSrc: ["'self'", 'blob:'],
        fontSrc: ["'self'", 'data:'],
        // The /capture, /control and /audio WebSockets open at the page's own origin, or in the redirect topology
        // at the gateway beside the session's host (gateway.connectSources).
        connectSrc: ["'self'", ...config.gateway.connectSources],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: config.gateway.frameAncestors,
      },
    },
    // Only over TLS, below: over plain HTTP it would be ignored, or pin a host that has no certificate yet.
    strictTransportSecurity: false,
    // Cross-origin isolation would refuse the client's own cross-origin requests to a separate IAM or portal.
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  const overTls = helmet.strictTransportSecurity({ maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true });
  // helmet's answer never depends on the request: it is recorded once, and set from the record on each answer
  // (one pass over a dozen headers instead of a chain of a dozen middlewares per request).
  const plain = recordHeaders([everywhere]);
  const tls = recordHeaders([everywhere, overTls]);
  const recorded = (req: IncomingMessage) =>
    (req.socket as Partial<TLSSocket>).encrypted === true ? tls : plain;
  const middleware = (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void => {
    const headers = recorded(req);
    for (const name of headers.removed) res.removeHeader(name);
    for (const [name, value] of headers.set) res.setHeader(name, value);
    next?.();
  };
  return Object.assign(middleware, {
    /** The headers of an answer to `req` as one flat name, value, … list, for answers written in one writeHead. */
    flatFor: (req: IncomingMessage): readonly string[] => recorded(req).flat,
  });
}

type Middleware = (req: Request, res: Response, next: (error?: unknown) => void) => void;

/** What `middlewares` do to a response's headers, run once against a recorder. */
function recordHeaders(middlewares: Middleware[]): {
  set: [string, string][];
  removed: string[];
  flat: string[];
} {
  const set = new Map<string, string>();
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      set.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    },
    removeHeader: (name: string) => {
      set.delete(name);
      removed.push(name);
    },
    getHeader: (name: string) => set.get(name),
  } as unknown as Response;
  for (const middleware of middlewares) {
    middleware({ headers: {}, socket: {} } as Request, recorder, (error?: unknown) => {
      if (error !== undefined) throw new Error('helmet refused its own configuration', { cause: error });
    });
  }
  return { set: [...set], removed, flat: [...set].flat() };
}
