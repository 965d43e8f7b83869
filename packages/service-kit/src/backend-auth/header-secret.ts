import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * A secret a peer presents in a header, compared in constant time (both sides hashed, so lengths never differ).
 * presentIn also serves code outside Nest's guards (a WebSocket upgrade).
 */
export class HeaderSecret {
  private readonly expected: Buffer;

  constructor(
    private readonly header: string,
    secret: string,
  ) {
    this.expected = digest(secret);
  }

  presentIn(headers: Record<string, string | string[] | undefined>): boolean {
    const presented = headers[this.header];
    return typeof presented === 'string' && timingSafeEqual(digest(presented), this.expected);
  }
}
