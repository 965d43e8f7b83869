import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type ErrorEnvelope, errorCodeForStatus } from '@webstream/contracts';
import { currentCorrelationId } from '@webstream/service-kit';

/** The request's correlation id as the service kit's middleware set it, else the current one. */
function correlationIdOf(req: IncomingMessage): string | undefined {
  const id = (req as IncomingMessage & { id?: unknown }).id;
  return typeof id === 'string' ? id : currentCorrelationId();
}

/**
 * Answers with the error envelope of packages/contracts/src/errors.ts: the MCP proxy answers outside Nest's
 * controllers (in a middleware, or from a proxy callback), where the exception filter does not reach.
 */
export function sendMcpError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    // Part of the upstream's answer is out: all that is left to say is that it broke off.
    res.destroy();
    return;
  }
  const correlationId = correlationIdOf(req);
  const envelope: ErrorEnvelope = {
    error: {
      status,
      code: errorCodeForStatus(status),
      message,
      ...(correlationId === undefined ? {} : { correlationId }),
    },
  };
  const body = JSON.stringify(envelope);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}
