import { type ConcurrencyReportRow, type UsagePeriod, type UsageReportRow } from '@webstream/contracts';
import { type Datum } from './kit/chart-math';

export interface PeriodTotal {
  periodStart: string;
  minutes: number;
  sessions: number;
}

/** The usage report's rows (one per period and key) summed per period, in time order. */
export function totalsByPeriod(rows: readonly UsageReportRow[]): PeriodTotal[] {
  const totals = new Map<string, PeriodTotal>();
  for (const row of rows) {
    const key = new Date(row.periodStart).toISOString();
    const total = totals.get(key) ?? { periodStart: key, minutes: 0, sessions: 0 };
    total.minutes += row.minutes;
    total.sessions += row.sessions;
    totals.set(key, total);
  }
  return [...totals.values()]
    .map((total) => ({ ...total, minutes: Math.round(total.minutes * 10) / 10 }))
    .sort((a, b) => a.periodStart.localeCompare(b.periodStart));
}

/** A period's label: the hour for hourly periods, the day otherwise, a month as YYYY-MM (all in UTC). */
export function periodLabel(periodStart: string, period: UsagePeriod): string {
  const iso = new Date(periodStart).toISOString();
  switch (period) {
    case 'hour':
      return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
    case 'day':
    case 'week':
      return iso.slice(0, 10);
    case 'month':
      return iso.slice(0, 7);
  }
}

export function usageSeries(rows: readonly UsageReportRow[], period: UsagePeriod): Datum[] {
  return totalsByPeriod(rows).map((total) => ({
    label: periodLabel(total.periodStart, period),
    value: total.minutes,
  }));
}

export function concurrencySeries(rows: readonly ConcurrencyReportRow[], period: 'hour' | 'day'): Datum[] {
  return [...rows]
    .sort((a, b) => Date.parse(a.periodStart) - Date.parse(b.periodStart))
    .map((row) => ({ label: periodLabel(row.periodStart, period), value: row.peak }));
}

/** "report-usage-2024-01-01-2024-01-31.csv" */
export function csvFileName(report: string, fromDay: string, toDay: string): string {
  return `${report}-${fromDay}-${toDay}.csv`;
}
