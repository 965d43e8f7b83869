import { Controller, Query, Res, UseGuards } from '@nestjs/common';
import { type AuditSearchQuery, type AuditSearchResponse, auditSearchRoute } from '@webstream/contracts';
import { Endpoint, ServiceTokenGuard } from '@webstream/service-kit';
import type { Response } from 'express';
import { sendCsv } from '../reports/csv';
import { AuditService } from './audit.service';

const CSV_COLUMNS = [
  'id',
  'at',
  'actorId',
  'actorName',
  'orgId',
  'action',
  'targetType',
  'targetId',
  'before',
  'after',
  'traceparent',
] as const;

@Controller()
@UseGuards(ServiceTokenGuard)
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Endpoint(auditSearchRoute)
  async search(
    @Query() query: AuditSearchQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AuditSearchResponse | string> {
    const result = await this.audit.search(query);
    if (query.format === 'json') return result;
    if (result.nextCursor) res.setHeader('X-Next-Cursor', result.nextCursor);
    return sendCsv(res, 'audit', result.items, [...CSV_COLUMNS]);
  }
}
