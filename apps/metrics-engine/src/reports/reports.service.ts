import { Injectable } from '@nestjs/common';
import {
  type ConcurrencyReportQuery,
  type ConcurrencyReportRow,
  type MetricsReportQuery,
  type MetricsReportRow,
  type TopReportQuery,
  type TopReportRow,
  type UsageReportQuery,
  type UsageReportRow,
} from '@webstream/contracts';
import { type Table } from './csv';
import { ReportsRepository } from './reports.repository';

/** Each report as of now, with the name and columns of its CSV download. */
@Injectable()
export class ReportsService {
  constructor(private readonly reports: ReportsRepository) {}

  async usage(query: UsageReportQuery): Promise<Table<UsageReportRow>> {
    return {
      rows: await this.reports.usage(query, new Date()),
      filename: `usage-by-${query.groupBy}-per-${query.period}`,
      columns: ['periodStart', 'key', 'minutes', 'sessions'],
    };
  }

  async top(query: TopReportQuery): Promise<Table<TopReportRow>> {
    return {
      rows: await this.reports.top(query, new Date()),
      filename: `top-${query.dimension}s`,
      columns: ['key', 'minutes', 'sessions'],
    };
  }

  async concurrency(query: ConcurrencyReportQuery): Promise<Table<ConcurrencyReportRow>> {
    return {
      rows: await this.reports.concurrency(query, new Date()),
      filename: `concurrency-per-${query.period}`,
      columns: ['periodStart', 'peak'],
    };
  }

  async metrics(query: MetricsReportQuery): Promise<Table<MetricsReportRow>> {
    return {
      rows: await this.reports.metrics(query, new Date()),
      filename: `${query.metric}-per-${query.bucket}`,
      columns: ['bucketStart', 'avg', 'min', 'max', 'count'],
    };
  }
}
