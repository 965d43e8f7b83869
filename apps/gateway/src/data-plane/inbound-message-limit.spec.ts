import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InboundMessageLimit } from './inbound-message-limit';

/** A masked client frame (RFC 6455 §5.2) with `length` payload bytes. */
function frame(opcode: number, length: number, fin = true): Buffer {
  const extended = length > 0xffff ? 8 : length > 125 ? 2 : 0;
  const header = Buffer.alloc(2 + extended + 4);
  header[0] = (fin ? 0x80 : 0) | opcode;
  header[1] = 0x80 | (extended === 8 ? 127 : extended === 2 ? 126 : length);
  if (extended === 2) header.writeUInt16BE(length, 2);
  if (extended === 8) header.writeBigUInt64BE(BigInt(length), 2);
  randomBytes(4).copy(header, 2 + extended);
  return Buffer.concat([header, randomBytes(length)]);
}

/** Feeds the bytes in pieces of `size`; the index of the first refused piece, or -1. */
function refusedAt(limit: InboundMessageLimit, bytes: Buffer, size: number): number {
  for (let offset = 0, index = 0; offset < bytes.length; offset += size, index += 1) {
    if (!limit.accepts(bytes.subarray(offset, offset + size))) return index;
  }
  return -1;
}

describe('InboundMessageLimit', () => {
  it('passes messages up to the limit in every length encoding, however the bytes are split', () => {
    const stream = Buffer.concat([frame(0x1, 5), frame(0x2, 300), frame(0x2, 70_000), frame(0x9, 10)]);
    for (const size of [1, 2, 3, 7, 64, 1_000, stream.length]) {
      expect(refusedAt(new InboundMessageLimit(70_000), stream, size), `pieces of ${size}`).toBe(-1);
    }
  });

  it('refuses at the header of a frame over the limit, before its payload', () => {
    const ok = frame(0x2, 100);
    const big = frame(0x2, 70_001);
    const limit = new InboundMessageLimit(70_000);
    expect(limit.accepts(ok)).toBe(true);
    // The header alone (2 + 8 + 4 bytes) is enough to refuse it.
    expect(limit.accepts(big.subarray(0, 14))).toBe(false);
  });

  it('counts a fragmented message across its continuation frames, with control frames between', () => {
    const fragments = Buffer.concat([
      frame(0x2, 600, false),
      frame(0x9, 4),
      frame(0x0, 600, false),
      frame(0x0, 600, true),
    ]);
    expect(refusedAt(new InboundMessageLimit(1_800), fragments, 13)).toBe(-1);
    expect(refusedAt(new InboundMessageLimit(1_799), fragments, fragments.length)).toBe(0);
    // A new message starts from nothing.
    const limit = new InboundMessageLimit(1_000);
    expect(limit.accepts(Buffer.concat([frame(0x1, 900), frame(0x1, 900)]))).toBe(true);
  });

  it('refuses a control frame longer than the protocol allows and a length past 2^53', () => {
    expect(new InboundMessageLimit(1_000).accepts(frame(0x9, 126))).toBe(false);
    const absurd = Buffer.from([0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
    expect(new InboundMessageLimit(1_000).accepts(absurd)).toBe(false);
  });
});
