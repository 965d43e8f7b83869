import { closeCodes } from '@webstream/contracts';
import { type RawData, type WebSocket } from 'ws';
import { type ZodType } from 'zod';
import { sendError } from './client-hub';

/**
 * A client's JSON message checked against its channel's schema; anything else gets an error message naming
 * what is wrong and is ignored — the socket stays open and nothing reaches the session.
 */
export function parseClientMessage<T>(
  socket: WebSocket,
  data: RawData,
  isBinary: boolean,
  schema: ZodType<T>,
): T | undefined {
  if (isBinary) {
    sendError(socket, closeCodes.INVALID_PAYLOAD, 'this channel takes JSON text messages only');
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(textOf(data));
  } catch {
    sendError(socket, closeCodes.INVALID_PAYLOAD, 'the message is not JSON');
    return undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'message';
    sendError(socket, closeCodes.INVALID_PAYLOAD, `${field}: ${issue?.message ?? 'is invalid'}`);
    return undefined;
  }
  return parsed.data;
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
