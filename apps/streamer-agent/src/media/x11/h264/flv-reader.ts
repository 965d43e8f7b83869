/**
 * Reads the H.264 stream ffmpeg writes as FLV: each tag carries its length, so an access unit is known to be whole
 * the moment its last byte arrives (raw Annex-B output would only end where the next access unit begins, a frame
 * later). Only what ffmpeg's flv muxer writes for one AVC video stream is understood.
 */
export type FlvVideoTag =
  /** The AVCDecoderConfigurationRecord (SPS and PPS) the encoder starts with. */
  | { kind: 'config'; record: Buffer }
  /** One access unit, NAL units with big-endian length prefixes (AVCC). */
  | { kind: 'frame'; keyframe: boolean; data: Buffer };

const FILE_HEADER_BYTES = 9 + 4; // 'FLV', version, flags, header size, then PreviousTagSize0
const TAG_HEADER_BYTES = 11;
const PREVIOUS_TAG_SIZE_BYTES = 4;
const TAG_VIDEO = 9;
const CODEC_AVC = 7;
const FRAME_TYPE_KEY = 1;
const AVC_SEQUENCE_HEADER = 0;
const AVC_NALU = 1;

export class FlvFormatError extends Error {
  override readonly name = 'FlvFormatError';
}

export class FlvReader {
  private pending: Buffer = Buffer.alloc(0);
  private headerRead = false;

  push(chunk: Buffer): FlvVideoTag[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const tags: FlvVideoTag[] = [];
    let offset = 0;
    if (!this.headerRead) {
      if (this.pending.length < FILE_HEADER_BYTES) return tags;
      if (this.pending.toString('latin1', 0, 3) !== 'FLV') throw new FlvFormatError('not an FLV stream');
      offset = this.pending.readUInt32BE(5) + PREVIOUS_TAG_SIZE_BYTES;
      this.headerRead = true;
    }
    for (;;) {
      if (this.pending.length - offset < TAG_HEADER_BYTES) break;
      const type = this.pending[offset]! & 0x1f;
      const size = this.pending.readUIntBE(offset + 1, 3);
      const end = offset + TAG_HEADER_BYTES + size + PREVIOUS_TAG_SIZE_BYTES;
      if (this.pending.length < end) break;
      if (type === TAG_VIDEO) {
        const tag = videoTag(
          this.pending.subarray(offset + TAG_HEADER_BYTES, offset + TAG_HEADER_BYTES + size),
        );
        if (tag !== undefined) tags.push(tag);
      }
      offset = end;
    }
    // The rest is copied out so the tags handed on do not pin one large buffer each.
    this.pending = offset === 0 ? this.pending : Buffer.from(this.pending.subarray(offset));
    return tags;
  }
}

function videoTag(body: Buffer): FlvVideoTag | undefined {
  if (body.length < 5) throw new FlvFormatError(`a video tag of ${body.length} bytes`);
  const frameType = body[0]! >> 4;
  const codec = body[0]! & 0x0f;
  if (codec !== CODEC_AVC) throw new FlvFormatError(`video codec ${codec} is not AVC`);
  // bytes 2–4: composition time, always 0 without B-frames
  const payload = Buffer.from(body.subarray(5));
  if (body[1] === AVC_SEQUENCE_HEADER) return { kind: 'config', record: payload };
  if (body[1] === AVC_NALU) return { kind: 'frame', keyframe: frameType === FRAME_TYPE_KEY, data: payload };
  return undefined; // the end of the sequence
}
