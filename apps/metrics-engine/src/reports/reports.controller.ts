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
import { rowsOrCsv } from './csv';
import { ReportsService } from './reports.service';

type Answer<Row> = { rows: Row[] } | string;

@Controller()
@UseGuards(ServiceTokenGuard)
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Endpoint(usageReportRoute)
  async usage(
    @Query() query: UsageReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Answer<UsageReportRow>> {
    return rowsOrCsv(res, query.format, await this.reports.usage(query));
  }

  @Endpoint(topReportRoute)
  async top(
    @Query() query: TopReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Answer<TopReportRow>> {
    return rowsOrCsv(res, query.format, await this.reports.top(query));
  }

  @Endpoint(concurrencyReportRoute)
  async concurrency(
    @Query() query: ConcurrencyReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Answer<ConcurrencyReportRow>> {
    return rowsOrCsv(res, query.format, await this.reports.concurrency(query));
  }

  @Endpoint(metricsReportRoute)
  async metrics(
    @Query() query: MetricsReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Answer<MetricsReportRow>> {
    return rowsOrCsv(res, query.format, await this.reports.metrics(query));
  }
}
