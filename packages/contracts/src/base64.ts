// A small strict base64 codec: atob/btoa only handle Latin-1 strings and silently accept sloppy input.
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const canonical = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const lookup = new Map<string, number>([...alphabet].map((char, index) => [char, index]));

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] ?? 0;
    const b1 = bytes[i + 1] ?? 0;
    const b2 = bytes[i + 2] ?? 0;
    const triple = (b0 << 16) | (b1 << 8) | b2;
    out += alphabet[(triple >> 18) & 63];
    out += alphabet[(triple >> 12) & 63];
    out += i + 1 < bytes.length ? alphabet[(triple >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? alphabet[triple & 63] : '=';
  }
  return out;
}

/** Accepts only canonical padded base64 (what bytesToBase64 emits); throws on anything else. */
export function base64ToBytes(text: string): Uint8Array {
  if (!canonical.test(text)) throw new Error('not valid base64');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const c0 = lookup.get(text.charAt(i)) ?? 0;
    const c1 = lookup.get(text.charAt(i + 1)) ?? 0;
    const c2 = lookup.get(text.charAt(i + 2)) ?? 0;
    const c3 = lookup.get(text.charAt(i + 3)) ?? 0;
    const triple = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3;
    if (o < bytes.length) bytes[o++] = (triple >> 16) & 255;
    if (o < bytes.length) bytes[o++] = (triple >> 8) & 255;
    if (o < bytes.length) bytes[o++] = triple & 255;
  }
  return bytes;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8ToBase64(text: string): string {
  return bytesToBase64(encoder.encode(text));
}

/** Throws if the text is not canonical base64 or the bytes are not valid UTF-8. */
export function base64ToUtf8(text: string): string {
  const bytes = base64ToBytes(text);
  try {
    return decoder.decode(bytes);
  } catch {
    throw new Error('base64 content is not valid UTF-8');
  }
}
