import { BadRequestException, Controller, Query, Res, UseGuards } from '@nestjs/common';
import { type AuditSearchQuery, type AuditSearchResponse, auditSearchRoute } from '@webstream/contracts';
import { Endpoint, ServiceTokenGuard } from '@webstream/service-kit';
import type { Response } from 'express';
import { sendCsv } from '../reports/csv';
import { AuditRepository, InvalidCursorError } from './audit.repository';

@Controller()
@UseGuards(ServiceTokenGuard)
export class AuditController {
  constructor(private readonly audit: AuditRepository) {}

  @Endpoint(auditSearchRoute)
  async search(
    @Query() query: AuditSearchQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AuditSearchResponse | string> {
    let result: AuditSearchResponse;
    try {
      result = await this.audit.search(query);
    } catch (error) {
      if (error instanceof InvalidCursorError)
        throw new BadRequestException(`query.cursor: ${error.message}`);
      throw error;
    }
    if (query.format === 'csv') {
      if (result.nextCursor) res.setHeader('X-Next-Cursor', result.nextCursor);
      return sendCsv(res, 'audit', result.items, [
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
      ]);
    }
    return result;
  }
}
