import { describe, it, expect } from 'vitest';
import { base64ToBytes, base64ToUtf8, bytesToBase64, utf8ToBase64 } from './base64';

describe('base64', () => {
  it('matches the RFC 4648 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(utf8ToBase64(plain)).toBe(encoded);
      expect(base64ToUtf8(encoded)).toBe(plain);
    }
  });

  it('round-trips every byte value', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
  });

  it('round-trips non-ASCII text as UTF-8', () => {
    expect(utf8ToBase64('é')).toBe('w6k=');
    expect(base64ToUtf8(utf8ToBase64('Zoë — 東京 🎉'))).toBe('Zoë — 東京 🎉');
  });

  it.each(['Zg', 'Zm9v!', 'Zm 9v', 'Zg===', '=Zg=', 'Zm9vYg=a'])('rejects malformed input %j', (text) => {
    expect(() => base64ToBytes(text)).toThrow(/not valid base64/);
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(() => base64ToUtf8(bytesToBase64(Uint8Array.of(0xff, 0xfe)))).toThrow(/not valid UTF-8/);
  });
});
