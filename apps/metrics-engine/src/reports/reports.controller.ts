import { Controller, Query, Res, UseGuards } from '@nestjs/common';
import {
  type ConcurrencyReportQuery,
  concurrencyReportRoute,
  type ConcurrencyReportRow,
  type MetricsReportQuery,
  metricsReportRoute,
  type MetricsReportRow,
  type TopReportQuery,
  topReportRoute,
  type TopReportRow,
  type UsageReportQuery,
  usageReportRoute,
  type UsageReportRow,
} from '@webstream/contracts';
import { Endpoint, ServiceTokenGuard } from '@webstream/service-kit';
import type { Response } from 'express';
import { sendCsv } from './csv';
import { ReportsRepository } from './reports.repository';

type Answer<Row> = { rows: Row[] } | string;

@Controller()
@UseGuards(ServiceTokenGuard)
export class ReportsController {
  constructor(private readonly reports: ReportsRepository) {}

  @Endpoint(usageReportRoute)
  async usage(
    @Query() query: UsageReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Answer<UsageReportRow>> {
    const rows = await this.reports.usage(query, new Date());
    return query.format === 'csv'
      ? sendCsv(res, `usage-by-${query.groupBy}-per-${query.period}`, rows, [
          'periodStart',
          'key',
          'minutes',
          'sessions',
        ])
      : { rows };
  }

  @Endpoint(topReportRoute)
  async top(
    @Query() query: TopReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Answer<TopReportRow>> {
    const rows = await this.reports.top(query, new Date());
    return query.format === 'csv'
      ? sendCsv(res, `top-${query.dimension}s`, rows, ['key', 'minutes', 'sessions'])
      : { rows };
  }

  @Endpoint(concurrencyReportRoute)
  async concurrency(
    @Query() query: ConcurrencyReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Answer<ConcurrencyReportRow>> {
    const rows = await this.reports.concurrency(query, new Date());
    return query.format === 'csv'
      ? sendCsv(res, `concurrency-per-${query.period}`, rows, ['periodStart', 'peak'])
      : { rows };
  }

  @Endpoint(metricsReportRoute)
  async metrics(
    @Query() query: MetricsReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Answer<MetricsReportRow>> {
    const rows = await this.reports.metrics(query, new Date());
    return query.format === 'csv'
      ? sendCsv(res, `${query.metric}-per-${query.bucket}`, rows, [
          'bucketStart',
          'avg',
          'min',
          'max',
          'count',
        ])
      : { rows };
  }
}
