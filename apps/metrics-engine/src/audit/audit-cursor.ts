import { RequestValidationException } from '@webstream/service-kit';

/** The (at, id) of the last row a page showed: the next page starts after it. */
export interface AuditCursor {
  at: string;
  id: string;
}

const MAX_BIGINT = 2n ** 63n - 1n;

export function encodeCursor(cursor: AuditCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The cursor a page answered, or 400 naming `query.cursor` for anything else. */
export function decodeCursor(value: string): AuditCursor {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<AuditCursor>;
    if (
      typeof parsed.at === 'string' &&
      !Number.isNaN(Date.parse(parsed.at)) &&
      typeof parsed.id === 'string' &&
      /^\d{1,19}$/.test(parsed.id) &&
      BigInt(parsed.id) <= MAX_BIGINT
    ) {
      return { at: parsed.at, id: parsed.id };
    }
  } catch {
    // fall through: any malformed cursor is the same client error
  }
  throw new RequestValidationException([
    { path: 'query.cursor', message: 'is not a cursor this API returned' },
  ]);
}
