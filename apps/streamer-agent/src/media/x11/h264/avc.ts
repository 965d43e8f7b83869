/** Turns ffmpeg's AVCC access units into self-contained Annex-B ones, as WebCodecs takes them without a description. */

const START_CODE = Buffer.from([0, 0, 0, 1]);

export interface AvcConfig {
  /** Bytes of each NAL unit's length prefix (1, 2 or 4). */
  lengthSize: number;
  sps: Buffer[];
  pps: Buffer[];
}

export class AvcFormatError extends Error {
  override readonly name = 'AvcFormatError';
}

/** Parses an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.2.4.1). */
export function parseAvcConfig(record: Buffer): AvcConfig {
  if (record.length < 7 || record[0] !== 1) throw new AvcFormatError('not an AVC configuration record');
  const lengthSize = (record[4]! & 0x03) + 1;
  let offset = 6; // past the version, profile, compatibility, level, length size and the SPS count
  const read = (count: number): Buffer[] => {
    const units: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      if (offset + 2 > record.length) throw new AvcFormatError('a truncated configuration record');
      const length = record.readUInt16BE(offset);
      offset += 2;
      if (offset + length > record.length) throw new AvcFormatError('a truncated configuration record');
      units.push(record.subarray(offset, offset + length));
      offset += length;
    }
    return units;
  };
  const sps = read(record[5]! & 0x1f);
  if (offset >= record.length) throw new AvcFormatError('a configuration record without PPS');
  const ppsCount = record[offset]!;
  offset += 1;
  const pps = read(ppsCount);
  return { lengthSize, sps, pps };
}

/** The access unit with start codes; a keyframe gets the SPS and PPS in front, so a decoder can start there. */
export function toAnnexB(accessUnit: Buffer, config: AvcConfig, keyframe: boolean): Buffer {
  const parts: Buffer[] = [];
  if (keyframe) for (const unit of [...config.sps, ...config.pps]) parts.push(START_CODE, unit);
  let offset = 0;
  while (offset < accessUnit.length) {
    if (offset + config.lengthSize > accessUnit.length) throw new AvcFormatError('a truncated NAL length');
    const length = accessUnit.readUIntBE(offset, config.lengthSize);
    offset += config.lengthSize;
    if (offset + length > accessUnit.length)
      throw new AvcFormatError('a NAL unit longer than its access unit');
    parts.push(START_CODE, accessUnit.subarray(offset, offset + length));
    offset += length;
  }
  return Buffer.concat(parts);
}
