import { Injectable } from '@nestjs/common';
import { type AuditEntry, type AuditSearchQuery, type AuditSearchResponse } from '@webstream/contracts';
import { MetricsDatabase } from '../database/metrics-database';
import { Prisma } from '../generated/prisma/client';

interface Cursor {
  at: string;
  id: string;
}

export class InvalidCursorError extends Error {}

const MAX_BIGINT = 2n ** 63n - 1n;

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(value: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Cursor>;
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
  throw new InvalidCursorError('cursor is not one this API returned');
}

/** Newest first; the cursor is the (at, id) of the last row seen, so pages never skip or repeat rows. */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: MetricsDatabase) {}

  async search(query: AuditSearchQuery): Promise<AuditSearchResponse> {
    const filters: Prisma.Sql[] = [];
    if (query.from) filters.push(Prisma.sql`at >= ${query.from}::timestamptz`);
    if (query.to) filters.push(Prisma.sql`at < ${query.to}::timestamptz`);
    if (query.orgId) filters.push(Prisma.sql`"orgId" = ${query.orgId}`);
    if (query.actorId) filters.push(Prisma.sql`"actorId" = ${query.actorId}`);
    if (query.action) filters.push(Prisma.sql`action = ${query.action}`);
    if (query.targetType) filters.push(Prisma.sql`"targetType" = ${query.targetType}`);
    if (query.targetId) filters.push(Prisma.sql`"targetId" = ${query.targetId}`);
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      filters.push(Prisma.sql`(at, id) < (${cursor.at}::timestamptz, ${cursor.id}::bigint)`);
    }
    const where = filters.length ? Prisma.sql`WHERE ${Prisma.join(filters, ' AND ')}` : Prisma.empty;
    const rows = await this.db.$queryRaw<(Omit<AuditEntry, 'id' | 'at'> & { id: bigint; at: Date })[]>`
      SELECT id, at, "actorId", "actorName", "orgId", action, "targetType", "targetId", before, after, traceparent
      FROM "AuditEvent" ${where}
      ORDER BY at DESC, id DESC
      LIMIT ${query.limit + 1}`;
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({ ...row, id: row.id.toString(), at: row.at.toISOString() })),
      nextCursor:
        rows.length > query.limit && last
          ? encodeCursor({ at: last.at.toISOString(), id: last.id.toString() })
          : null,
    };
  }
}
