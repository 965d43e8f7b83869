import type { IncomingMessage } from 'node:http';
import { type WebstreamConfig } from '@webstream/config';
import { type Params } from 'nestjs-pino';
import pino, { type Logger } from 'pino';
import { correlationIdFrom, currentSpan } from '../http/request-context';

// Secrets never reach a log line: headers that carry credentials and any body field named like one.
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-mcp-key"]',
  'req.headers["x-backend-token"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.serverPfxSecret',
  '*.secret',
  '*.token',
  '*.key',
];

/**
 * Errors are logged with their message, type, code and stack only: an HTTP client's error carries the
 * request it made (headers with credentials, the body), which must not reach a log line.
 */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const key of ['config', 'request', 'response', 'headers', 'data']) delete serialized[key];
  return serialized;
}

/** Query parameters that carry a credential: a sign-in's code and state, SAML messages, tokens. */
const SECRET_QUERY_PARAMETERS = new Set([
  'code',
  'state',
  'id_token_hint',
  'access_token',
  'token',
  'SAMLRequest',
  'SAMLResponse',
  'Signature',
  'RelayState',
]);

/** A request's URL as the access log shows it: the values of credential-bearing query parameters masked. */
export function loggedUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const parameters = new URLSearchParams(url.slice(query + 1));
  let masked = false;
  for (const name of [...parameters.keys()]) {
    if (SECRET_QUERY_PARAMETERS.has(name)) {
      parameters.set(name, '[redacted]');
      masked = true;
    }
  }
  return masked ? `${url.slice(0, query)}?${parameters.toString()}` : url;
}

const QUIET_PATHS = new Set([
  '/health/live',
  '/health/ready',
  '/health/startup',
  '/metrics',
  '/gateway/health',
]);

function baseOptions(service: string, config: WebstreamConfig): pino.LoggerOptions {
  return {
    level: config.logging.level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    // Beside the correlation id, the trace a line belongs to, when tracing is on.
    mixin: () => {
      const span = currentSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { traceId, spanId };
    },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** The process logger, usable before Nest starts (config errors, start-up failures). */
export function createServiceLogger(
  service: string,
  config: WebstreamConfig,
  destination?: pino.DestinationStream,
): Logger {
  return destination ? pino(baseOptions(service, config), destination) : pino(baseOptions(service, config));
}

export function loggerModuleParams(service: string, config: WebstreamConfig): Params {
  return {
    // Synchronous writes: a service stopping on SIGTERM re-raises the signal right after its last log line.
    pinoHttp: [
      {
        ...baseOptions(service, config),
        genReqId: (req: IncomingMessage & { id?: unknown }) =>
          typeof req.id === 'string' ? req.id : correlationIdFrom(req),
        customProps: (req: IncomingMessage & { id?: unknown }) => ({ correlationId: req.id }),
        autoLogging: {
          ignore: (req: IncomingMessage) => QUIET_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
        },
        customLogLevel: (_req, res, error) =>
          error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
        serializers: {
          req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
            method: req.method,
            url: loggedUrl(req.url),
            remoteAddress: req.remoteAddress,
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
      },
      pino.destination({ dest: 1, sync: true }),
    ],
  };
}
