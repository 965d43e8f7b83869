/**
 * The size of each message a browser sends on a relayed WebSocket, read off its frame headers (RFC 6455 §5.2)
 * as the bytes pass through. The relay forwards raw bytes and never unmasks or buffers a payload; ws's own
 * Receiver would decode and hold whole messages, which is the cost the raw relay exists to avoid. A message
 * whose frames announce more than `maxBytes` in all is refused at the header that says so, before that frame's
 * payload is forwarded.
 */
export class InboundMessageLimit {
  /** Bytes of a frame header seen so far, while it is incomplete. */
  private header = Buffer.alloc(0);
  /** Payload bytes of the current frame still to pass. */
  private payloadLeft = 0;
  /** Payload bytes of the current message (its data frames so far). */
  private messageBytes = 0;

  constructor(readonly maxBytes: number) {}

  /** Takes the next chunk from the browser; false once a message is over the limit (or a header is bad). */
  accepts(chunk: Buffer): boolean {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.payloadLeft > 0) {
        const skipped = Math.min(this.payloadLeft, chunk.length - offset);
        this.payloadLeft -= skipped;
        offset += skipped;
        continue;
      }
      const needed = this.headerLength();
      const take = Math.min(needed - this.header.length, chunk.length - offset);
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
      offset += take;
      // The header's length depends on its second byte: look again once more of it is here.
      if (this.header.length < this.headerLength()) continue;
      if (!this.frameAccepted()) return false;
      this.header = Buffer.alloc(0);
    }
    return true;
  }

  /** 2 bytes, then the extended length (0, 2 or 8) and the masking key (4 when masked). */
  private headerLength(): number {
    if (this.header.length < 2) return 2;
    const second = this.header[1]!;
    const length = second & 0x7f;
    const extended = length === 126 ? 2 : length === 127 ? 8 : 0;
    return 2 + extended + (second & 0x80 ? 4 : 0);
  }

  private frameAccepted(): boolean {
    const first = this.header[0]!;
    const second = this.header[1]!;
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    const short = second & 0x7f;
    let length: number;
    if (short === 126) length = this.header.readUInt16BE(2);
    else if (short === 127) {
      const big = this.header.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) return false;
      length = Number(big);
    } else length = short;
    this.payloadLeft = length;
    // Control frames (close, ping, pong) carry at most 125 bytes and sit between a message's frames.
    if (opcode >= 0x8) return length <= 125;
    // A text or binary frame starts a message; a continuation adds to it.
    this.messageBytes = opcode === 0x0 ? this.messageBytes + length : length;
    if (this.messageBytes > this.maxBytes) return false;
    if (fin) this.messageBytes = 0;
    return true;
  }
}
