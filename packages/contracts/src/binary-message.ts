// Media travels as one binary WebSocket message: a 4-byte big-endian header length, the UTF-8 JSON header, the payload.
const HEADER_LENGTH_BYTES = 4;

/** Headers are small JSON objects; a larger length prefix means the input is corrupt, not a big header. */
export const MAX_BINARY_HEADER_BYTES = 64 * 1024;

export class BinaryMessageError extends Error {
  override readonly name = 'BinaryMessageError';
}

export interface BinaryMessage {
  header: unknown;
  payload: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeBinaryMessage(header: object, payload: Uint8Array): Uint8Array {
  const json = encoder.encode(JSON.stringify(header));
  if (json.length > MAX_BINARY_HEADER_BYTES) {
    throw new BinaryMessageError(
      `header is ${json.length} bytes, over the ${MAX_BINARY_HEADER_BYTES}-byte limit`,
    );
  }
  const out = new Uint8Array(HEADER_LENGTH_BYTES + json.length + payload.length);
  new DataView(out.buffer).setUint32(0, json.length, false);
  out.set(json, HEADER_LENGTH_BYTES);
  out.set(payload, HEADER_LENGTH_BYTES + json.length);
  return out;
}

/** The payload is a view into `data`, not a copy. Throws BinaryMessageError on truncated or malformed input. */
export function decodeBinaryMessage(data: Uint8Array | ArrayBuffer): BinaryMessage {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length < HEADER_LENGTH_BYTES) {
    throw new BinaryMessageError(
      `truncated message: ${bytes.length} bytes, need at least ${HEADER_LENGTH_BYTES}`,
    );
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (headerLength > MAX_BINARY_HEADER_BYTES) {
    throw new BinaryMessageError(
      `header length ${headerLength} exceeds the ${MAX_BINARY_HEADER_BYTES}-byte limit`,
    );
  }
  const headerEnd = HEADER_LENGTH_BYTES + headerLength;
  if (bytes.length < headerEnd) {
    throw new BinaryMessageError(
      `truncated message: header says ${headerLength} bytes but only ${bytes.length - HEADER_LENGTH_BYTES} follow`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(bytes.subarray(HEADER_LENGTH_BYTES, headerEnd)));
  } catch {
    throw new BinaryMessageError('message header is not UTF-8 JSON');
  }
  return { header, payload: bytes.subarray(headerEnd) };
}

export interface MediaMessage<T> {
  header: T;
  payload: Uint8Array;
}

/**
 * Decodes a binary message and validates its header against `schema` (throws ZodError) and its declared
 * byteLength against the actual payload (throws BinaryMessageError).
 */
export function decodeMediaMessage<T extends { byteLength: number }>(
  schema: { parse(input: unknown): T },
  data: Uint8Array | ArrayBuffer,
): MediaMessage<T> {
  const { header, payload } = decodeBinaryMessage(data);
  const parsed = schema.parse(header);
  if (parsed.byteLength !== payload.length) {
    throw new BinaryMessageError(
      `header declares ${parsed.byteLength} payload bytes but ${payload.length} follow`,
    );
  }
  return { header: parsed, payload };
}
