import { type ServerResponse } from 'node:http';
import { type Duplex } from 'node:stream';
import { type ErrorCode, type ErrorEnvelope, errorCodeForStatus } from '@webstream/contracts';
import { currentCorrelationId } from '@webstream/service-kit';

/** The error envelope, for answers written on the raw server before Nest (whose filter writes the rest). */
export function envelope(
  status: number,
  message: string,
  code: ErrorCode = errorCodeForStatus(status),
): ErrorEnvelope {
  const correlationId = currentCorrelationId();
  return { error: { status, code, message, ...(correlationId === undefined ? {} : { correlationId }) } };
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(envelope(status, message));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
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
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Refuses a WebSocket upgrade with a plain HTTP answer (the socket has not been upgraded yet). */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(envelope(status, message));
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
