import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type WebstreamConfig } from '@webstream/config';
import { type ErrorCode, type ErrorField, FORM_BODY_ROUTES, matchEndpointPath } from '@webstream/contracts';
import bodyParser from 'body-parser';
import type { NextFunction, Request, Response } from 'express';
import { envelope } from './raw-responses';

/** Route paths that take telemetry batches, up to requestBodies.telemetryMaxBytes instead of the default. */
export interface RequestBodyOptions {
  telemetryRoutes?: readonly string[];
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded$/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_REPORTED_FIELDS = 20;

interface BodyParserError extends Error {
  type?: string;
  /** The raw text, on a parse failure. */
  body?: string;
  status?: number;
  limit?: number;
  charset?: string;
  encoding?: string;
}

function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  fields: ErrorField[] = [],
): void {
  // Whatever of the body is still arriving is read and dropped, so the client gets to read this answer.
  req.resume();
  const answer = envelope(req, status, message, code);
  if (fields.length > 0) answer.error.fields = fields;
  const body = JSON.stringify(answer);
  // Closing instead would reset the connection before the client reads the answer (bounded by the server's
  // requestTimeout, like any slow body).
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** Bodies up to this size get the position of their first mistake looked for, when the parser does not say. */
const POSITION_SEARCH_MAX_BYTES = 64 * 1024;

/**
 * Where a text stops being JSON: the shortest prefix whose parse fails before its end (not merely because it
 * ends early). V8 names a position for some mistakes only; this finds it for the rest, in about log2(length)
 * parses.
 */
function firstMistake(text: string): number | undefined {
  const failsOnItsOwn = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      const message = (error as Error).message;
      const at = /at position (\d+)/.exec(message)?.[1];
      return at === undefined ? !/end of JSON input/.test(message) : Number(at) < length;
    }
  };
  if (!failsOnItsOwn(text.length)) return undefined;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (failsOnItsOwn(middle)) high = middle;
    else low = middle + 1;
  }
  return high - 1;
}

/** What is wrong with a body that is not JSON, and at which character: a client can point at it. */
function invalidJson(failure: BodyParserError): string {
  const text = failure.body ?? '';
  const start = text.length - text.trimStart().length;
  if (text.trim() !== '' && !'{['.includes(text[start]!)) {
    return `the body must be a JSON object or array (at position ${start})`;
  }
  const given = /at position (\d+)/.exec(failure.message)?.[1];
  const position =
    given !== undefined
      ? Number(given)
      : /end of JSON input/.test(failure.message)
        ? text.length
        : text.length <= POSITION_SEARCH_MAX_BYTES
          ? firstMistake(text)
          : undefined;
  const reason = failure.message.replace(/ in JSON at position \d+.*$/, '');
  return `the body is not valid JSON: ${reason}${position === undefined ? '' : ` (at position ${position})`}`;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * What is wrong with a request path no route could take apart: a % not followed by two hex digits, or escapes
 * that are not UTF-8 (the router would fail on it mid-match, and a route that never matched answers 404), or an
 * escaped NUL, which would reach a route's parameters.
 */
export function pathFault(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return 'must be percent-encoded UTF-8 (it holds a % not followed by two hex digits, or bytes that are not UTF-8)';
  }
  return decoded.includes('\u0000') ? 'must not contain a NUL character' : undefined;
}

/** Strings holding a NUL or half a surrogate pair, by their path (`name`, `members[2].id`, `query.q`). */
export function hostileStrings(value: unknown, path: string, found: ErrorField[] = []): ErrorField[] {
  if (found.length >= MAX_REPORTED_FIELDS) return found;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push({ path, message: 'must not contain a NUL character' });
    else if (LONE_SURROGATE.test(value)) {
      found.push({ path, message: 'must be valid Unicode (it holds half a surrogate pair)' });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => hostileStrings(item, `${path}[${index}]`, found));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const child = path === '' ? key : `${path}.${key}`;
      hostileStrings(key, `${child} (its name)`, found);
      hostileStrings(item, child, found);
    }
  }
  return found;
}

/**
 * Every service's request bodies, before any route sees them, answered in the error envelope and never passed
 * on as an error a route could mistake for something else: a body on GET or HEAD 400; a body that is not JSON
 * 415, as is a charset other than UTF-8; malformed JSON (or a top-level value that is not an object or array)
 * 400 invalid_json with the parser's position; one over its route group's limit 413 naming the limit and the key;
 * a NUL or half a surrogate pair in any string of the body or the query 400 naming the field, so that no such
 * value reaches a route, a log or PostgreSQL; and a path that does not decode (see pathFault) 400 naming `(path)`.
 */
export function requestBodies(config: WebstreamConfig, options: RequestBodyOptions = {}) {
  const { defaultMaxBytes, telemetryMaxBytes } = config.requestBodies;
  const telemetryRoutes = new Set(options.telemetryRoutes ?? []);
  const formParser = bodyParser.urlencoded({ extended: false, limit: defaultMaxBytes, parameterLimit: 20 });
  const parsers = new Map(
    [defaultMaxBytes, telemetryMaxBytes].map((limit) => [
      limit,
      bodyParser.json({ limit, strict: true, type: () => true }),
    ]),
  );
  return (req: Request, res: Response, next: NextFunction): void => {
    const telemetry = telemetryRoutes.has(req.path);
    const limit = telemetry ? telemetryMaxBytes : defaultMaxBytes;
    const limitKey = telemetry ? 'requestBodies.telemetryMaxBytes' : 'requestBodies.defaultMaxBytes';
    const fault = pathFault(req.path);
    if (fault !== undefined) {
      refuse(req, res, 400, 'validation_failed', `the path ${fault}`, [{ path: '(path)', message: fault }]);
      return;
    }
    const checkStrings = (): void => {
      const fields = [...hostileStrings(req.body, ''), ...hostileStrings(req.query, 'query')];
      if (fields.length > 0) {
        refuse(req, res, 400, 'validation_failed', 'the request holds text that cannot be accepted', fields);
        return;
      }
      next();
    };
    if (!hasBody(req)) {
      checkStrings();
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      refuse(req, res, 400, 'validation_failed', `${req.method} requests take no body`);
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const form =
      FORM_TYPE.test(type) &&
      FORM_BODY_ROUTES.some((route) => matchEndpointPath(route.path, req.path) !== undefined);
    if (!JSON_TYPE.test(type) && !form) {
      refuse(
        req,
        res,
        415,
        'unsupported_media_type',
        `the body must be application/json${type === '' ? ' (no content-type was given)' : `, not ${type}`}`,
      );
      return;
    }
    const parse = form ? formParser : parsers.get(limit)!;
    parse(req, res, (error?: unknown) => {
      if (error === undefined) {
        checkStrings();
        return;
      }
      const failure = error as BodyParserError;
      switch (failure.type ?? 'unknown') {
        case 'entity.parse.failed':
          refuse(req, res, 400, 'invalid_json', invalidJson(failure));
          return;
        case 'entity.too.large':
          refuse(req, res, 413, 'payload_too_large', `the body is larger than ${limit} bytes (${limitKey})`);
          return;
        case 'charset.unsupported':
          refuse(
            req,
            res,
            415,
            'unsupported_media_type',
            `the body must be UTF-8, not ${failure.charset ?? 'another charset'}`,
          );
          return;
        case 'encoding.unsupported':
          refuse(
            req,
            res,
            415,
            'unsupported_media_type',
            `the body's content-encoding ${failure.encoding ?? ''} is not supported (identity, gzip, deflate, br)`,
          );
          return;
        default:
          refuse(
            req,
            res,
            failure.status ?? 400,
            'validation_failed',
            `the body could not be read: ${failure.message}`,
          );
      }
    });
  };
}
