import { type TLSSocket } from 'node:tls';
import { type WebstreamConfig } from '@webstream/config';
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
        // The /capture, /control and /audio WebSockets are the page's own origin.
        connectSrc: ["'self'"],
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
  return (req: Request, res: Response, next: NextFunction): void => {
    everywhere(req, res, (error?: unknown) => {
      if (error !== undefined) {
        next(error);
        return;
      }
      if ((req.socket as Partial<TLSSocket>).encrypted === true) overTls(req, res, next);
      else next();
    });
  };
}
