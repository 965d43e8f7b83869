import { Injectable } from '@nestjs/common';
import { type AuditEntry, type AuditSearchQuery } from '@webstream/contracts';
import { MetricsDatabase } from '../database/metrics-database';
import { Prisma } from '../generated/prisma/client';
import { type AuditCursor } from './audit-cursor';

export type AuditRow = Omit<AuditEntry, 'id' | 'at'> & { id: bigint; at: Date };

/** Newest first, after `cursor` where given: (at, id) is unique, so pages never skip or repeat rows. */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: MetricsDatabase) {}

  async search(query: AuditSearchQuery, cursor: AuditCursor | undefined, limit: number): Promise<AuditRow[]> {
    const filters: Prisma.Sql[] = [];
    if (query.from) filters.push(Prisma.sql`at >= ${query.from}::timestamptz`);
    if (query.to) filters.push(Prisma.sql`at < ${query.to}::timestamptz`);
    if (query.orgId) filters.push(Prisma.sql`"orgId" = ${query.orgId}`);
    if (query.actorId) filters.push(Prisma.sql`"actorId" = ${query.actorId}`);
    if (query.action) filters.push(Prisma.sql`action = ${query.action}`);
    if (query.targetType) filters.push(Prisma.sql`"targetType" = ${query.targetType}`);
    if (query.targetId) filters.push(Prisma.sql`"targetId" = ${query.targetId}`);
    if (cursor) {
      filters.push(Prisma.sql`(at, id) < (${cursor.at}::timestamptz, ${cursor.id}::bigint)`);
    }
    const where = filters.length ? Prisma.sql`WHERE ${Prisma.join(filters, ' AND ')}` : Prisma.empty;
    return this.db.$queryRaw<AuditRow[]>`
      SELECT id, at, "actorId", "actorName", "orgId", action, "targetType", "targetId", before, after, traceparent
      FROM "AuditEvent" ${where}
      ORDER BY at DESC, id DESC
      LIMIT ${limit}`;
  }
}
