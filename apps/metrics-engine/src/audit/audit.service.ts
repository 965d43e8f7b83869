import { Injectable } from '@nestjs/common';
import { type AuditSearchQuery, type AuditSearchResponse } from '@webstream/contracts';
import { decodeCursor, encodeCursor } from './audit-cursor';
import { AuditRepository } from './audit.repository';

@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  /** One page of the search, newest first, and the cursor of the next where there is one. */
  async search(query: AuditSearchQuery): Promise<AuditSearchResponse> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    // One row more than the page tells whether another page follows.
    const rows = await this.audit.search(query, cursor, query.limit + 1);
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
