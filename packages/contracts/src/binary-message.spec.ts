import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import {
  BinaryMessageError,
  MAX_BINARY_HEADER_BYTES,
  decodeBinaryMessage,
  decodeMediaMessage,
  encodeBinaryMessage,
} from './binary-message';

describe('binary message framing', () => {
  it('round-trips a header and payload', () => {
    const payload = Uint8Array.of(0, 1, 2, 250, 255);
    const header = { type: 'frame', seq: 7, note: 'Zoë — 東京' };
    const { header: decoded, payload: out } = decodeBinaryMessage(encodeBinaryMessage(header, payload));
    expect(decoded).toEqual(header);
    expect(out).toEqual(payload);
  });

  it('writes a 4-byte big-endian header length followed by UTF-8 JSON', () => {
    const bytes = encodeBinaryMessage({ a: 'é' }, Uint8Array.of(9));
    const json = new TextEncoder().encode('{"a":"é"}');
    expect([...bytes.subarray(0, 4)]).toEqual([0, 0, 0, json.length]);
    expect(bytes.subarray(4, 4 + json.length)).toEqual(json);
    expect(bytes[bytes.length - 1]).toBe(9);
  });

  it('round-trips an empty payload and accepts an ArrayBuffer', () => {
    const bytes = encodeBinaryMessage({ type: 'x' }, new Uint8Array(0));
    const copy = bytes.slice().buffer;
    expect(decodeBinaryMessage(copy).payload.length).toBe(0);
    expect(decodeBinaryMessage(copy).header).toEqual({ type: 'x' });
  });

  it('decodes a view that does not start at offset 0 (as Node pools Buffers)', () => {
    const inner = encodeBinaryMessage({ k: 1 }, Uint8Array.of(5, 6));
    const outer = new Uint8Array(inner.length + 10);
    outer.set(inner, 7);
    const view = outer.subarray(7, 7 + inner.length);
    expect(decodeBinaryMessage(view)).toEqual({ header: { k: 1 }, payload: Uint8Array.of(5, 6) });
  });

  it('rejects input shorter than the length prefix', () => {
    expect(() => decodeBinaryMessage(Uint8Array.of(0, 0))).toThrow(BinaryMessageError);
    expect(() => decodeBinaryMessage(Uint8Array.of(0, 0))).toThrow(/truncated/);
  });

  it('rejects a header cut short', () => {
    const bytes = encodeBinaryMessage({ type: 'frame', seq: 1 }, new Uint8Array(0));
    expect(() => decodeBinaryMessage(bytes.subarray(0, bytes.length - 3))).toThrow(
      /truncated.*only \d+ follow/,
    );
  });

  it('rejects an absurd header length and a non-JSON header', () => {
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setUint32(0, MAX_BINARY_HEADER_BYTES + 1);
    expect(() => decodeBinaryMessage(huge)).toThrow(/exceeds/);
    const garbage = Uint8Array.of(0, 0, 0, 2, 0x7b, 0x7b);
    expect(() => decodeBinaryMessage(garbage)).toThrow(/not UTF-8 JSON/);
  });

  it('validates a media header and its byteLength', () => {
    const schema = z.object({ type: z.literal('chunk'), byteLength: z.int().min(0) });
    const ok = encodeBinaryMessage({ type: 'chunk', byteLength: 3 }, Uint8Array.of(1, 2, 3));
    expect(decodeMediaMessage(schema, ok).header).toEqual({ type: 'chunk', byteLength: 3 });
    const mismatch = encodeBinaryMessage({ type: 'chunk', byteLength: 4 }, Uint8Array.of(1, 2, 3));
    expect(() => decodeMediaMessage(schema, mismatch)).toThrow(/declares 4 payload bytes but 3 follow/);
    const wrongType = encodeBinaryMessage({ type: 'other', byteLength: 0 }, new Uint8Array(0));
    expect(() => decodeMediaMessage(schema, wrongType)).toThrow(z.ZodError);
  });
});
