/**
 * Reads the Opus packets out of the Ogg stream ffmpeg writes (RFC 7845): pages carry their segment tables, a
 * packet ends at a segment shorter than 255 bytes, and may go on on the next page. The two header packets
 * (OpusHead, OpusTags) are skipped: the format message says what a client needs.
 */
const PAGE_HEADER_BYTES = 27;

export class OggFormatError extends Error {
  override readonly name = 'OggFormatError';
}

export class OggOpusReader {
  private pending: Buffer = Buffer.alloc(0);
  private partial: Buffer[] = [];
  private packetsSeen = 0;

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const packets: Buffer[] = [];
    let offset = 0;
    for (;;) {
      if (this.pending.length - offset < PAGE_HEADER_BYTES) break;
      if (this.pending.toString('latin1', offset, offset + 4) !== 'OggS')
        throw new OggFormatError('lost the Ogg page sync');
      const segments = this.pending[offset + 26]!;
      const tableEnd = offset + PAGE_HEADER_BYTES + segments;
      if (this.pending.length < tableEnd) break;
      let bodyLength = 0;
      for (let i = 0; i < segments; i++) bodyLength += this.pending[offset + PAGE_HEADER_BYTES + i]!;
      if (this.pending.length < tableEnd + bodyLength) break;
      let position = tableEnd;
      for (let i = 0; i < segments; i++) {
        const size = this.pending[offset + PAGE_HEADER_BYTES + i]!;
        this.partial.push(this.pending.subarray(position, position + size));
        position += size;
        if (size < 255) {
          const packet = Buffer.concat(this.partial);
          this.partial = [];
          this.packetsSeen += 1;
          if (this.packetsSeen > 2) packets.push(packet);
        }
      }
      offset = tableEnd + bodyLength;
    }
    this.pending = offset === 0 ? this.pending : Buffer.from(this.pending.subarray(offset));
    return packets;
  }
}
