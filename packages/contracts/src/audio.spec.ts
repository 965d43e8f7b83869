import { describe, it, expect } from 'vitest';
import {
  audioChunkHeaderSchema,
  audioServerMessageSchema,
  chooseAudioCodec,
  decodeAudioChunkMessage,
  encodeAudioChunkMessage,
  parseAudioCodecs,
} from './audio';
import { issuePaths } from './issue-paths.spec-helper';

const format = { type: 'audio-format', codec: 'opus', sampleRate: 48000, channels: 2 };

describe('/audio messages', () => {
  it('accepts audio-format and error', () => {
    expect(audioServerMessageSchema.parse(format)).toEqual(format);
    expect(audioServerMessageSchema.parse({ type: 'error', code: 'internal-error', message: 'x' }).type).toBe(
      'error',
    );
  });

  it.each([
    ['codec', 'mp3'],
    ['sampleRate', 7999],
    ['sampleRate', 192001],
    ['channels', 0],
    ['channels', 9],
  ])('rejects a bad %s (%j)', (field, value) => {
    expect(issuePaths(audioServerMessageSchema, { ...format, [field]: value })).toEqual([[field]]);
  });

  it('accepts a chunk header and rejects a negative seq', () => {
    const header = { type: 'audio-chunk', seq: 0, timestamp: 1736937000123, byteLength: 960 };
    expect(audioChunkHeaderSchema.parse(header)).toEqual(header);
    expect(issuePaths(audioChunkHeaderSchema, { ...header, seq: -1 })).toEqual([['seq']]);
  });

  it('round-trips a chunk through the binary framing', () => {
    const payload = Uint8Array.from({ length: 960 }, (_, i) => i % 256);
    const message = decodeAudioChunkMessage(encodeAudioChunkMessage({ seq: 3, timestamp: 1000 }, payload));
    expect(message.header).toEqual({ type: 'audio-chunk', seq: 3, timestamp: 1000, byteLength: 960 });
    expect(message.payload).toEqual(payload);
  });

  it('refuses to encode a chunk with a bad header', () => {
    expect(() => encodeAudioChunkMessage({ seq: -1, timestamp: 0 }, new Uint8Array(0))).toThrow(/seq|>=0/);
  });
});

describe('the sound codec a listener gets', () => {
  it("is the first the client names that the source sends, else the source's last resort", () => {
    expect(chooseAudioCodec(parseAudioCodecs('opus,pcm-s16le'), ['opus', 'pcm-s16le'])).toBe('opus');
    expect(chooseAudioCodec(parseAudioCodecs('opus'), ['pcm-s16le'])).toBe('pcm-s16le');
    expect(chooseAudioCodec(parseAudioCodecs(undefined), ['opus', 'pcm-s16le'])).toBe('pcm-s16le');
    expect(parseAudioCodecs('aac, opus')).toEqual(['opus']);
  });
});
