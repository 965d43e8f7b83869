import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { type Duplex } from 'node:stream';
import { type ErrorCode, type ErrorEnvelope, errorCodeForStatus } from '@webstream/contracts';
import { currentCorrelationId } from './request-context';

/** The request's correlation id as the service kit's middleware set it, else the current one. */
function correlationIdOf(req: IncomingMessage): string | undefined {
  const id = (req as IncomingMessage & { id?: unknown }).id;
  return typeof id === 'string' ? id : currentCorrelationId();
}

/** The error envelope, for answers written outside Nest's controllers (whose exception filter writes the rest). */
export function envelope(
  req: IncomingMessage,
  status: number,
  message: string,
  code: ErrorCode = errorCodeForStatus(status),
): ErrorEnvelope {
  const correlationId = correlationIdOf(req);
  return { error: { status, code, message, ...(correlationId === undefined ? {} : { correlationId }) } };
}

/**
 * What a server answers bytes that are not HTTP (Node's parser gave up on them) in place of Node's bare 400:
 * the error envelope, then the connection closes.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify({
    error: {
      status,
      code: errorCodeForStatus(status),
      message: `the request is not valid HTTP (${error.code ?? error.message})`,
    },
  } satisfies ErrorEnvelope);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** An error answer on a raw response: the data plane's hot path, middleware, proxy callbacks. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    // Part of an upstream's answer is out: all that is left to say is that it broke off.
    res.destroy();
    return;
  }
  const body = JSON.stringify(envelope(req, status, message));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  421: 'Misdirected Request',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Refuses a WebSocket upgrade with a plain HTTP answer (the socket has not been upgraded yet). */
export function refuseUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(envelope(req, status, message));
  const lines = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  // Closed once flushed: a client that ignores the answer must not keep the socket (and shutdown) waiting.
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * A WebSocket close frame (server to client, so unmasked): written on a relayed socket whose upstream
 * failed, so the browser learns why instead of seeing a bare 1006.
 */
export function closeFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 123);
  const frame = Buffer.alloc(4 + text.length);
  frame[0] = 0x88;
  frame[1] = 2 + text.length;
  frame.writeUInt16BE(code, 2);
  text.copy(frame, 4);
  return frame;
}
