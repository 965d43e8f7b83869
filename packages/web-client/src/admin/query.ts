import { type UsagePeriod } from '@webstream/contracts';

export type QueryValue = string | number | undefined;
export type Query = Record<string, QueryValue>;

/** `?a=1&b=x` from a query object, leaving out undefined and empty values; '' when nothing is left. */
export function toQueryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** A date input's value (YYYY-MM-DD) as a UTC day. */
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The report range from two inclusive calendar days: from the first day's start to the day after the last. */
export function dayRange(fromDay: string, toDay: string): { from: string; to: string } | undefined {
  if (!DAY.test(fromDay) || !DAY.test(toDay)) return undefined;
  const from = Date.parse(`${fromDay}T00:00:00.000Z`);
  const to = Date.parse(`${toDay}T00:00:00.000Z`) + 86_400_000;
  if (!Number.isFinite(from) || !Number.isFinite(to)) return undefined;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** YYYY-MM-DD of a moment, in UTC (what a date input shows). */
export function isoDay(moment: Date): string {
  return moment.toISOString().slice(0, 10);
}

/** The last `days` days up to and including today. */
export function lastDays(days: number, now: Date = new Date()): { fromDay: string; toDay: string } {
  return { fromDay: isoDay(new Date(now.getTime() - (days - 1) * 86_400_000)), toDay: isoDay(now) };
}

export interface ReportFilter {
  fromDay: string;
  toDay: string;
  period: UsagePeriod;
  /** Platform admins only: one organization. */
  orgId?: string | undefined;
}

export type ReportFormat = 'json' | 'csv';

export interface ReportQueries {
  usage: Query;
  topApps: Query;
  topUsers: Query;
  concurrency: Query;
}

/**
 * The four report queries of the reports page, or a message saying why the range cannot be asked for.
 * Concurrency has only hour and day periods: week and month ask it per day.
 */
export function reportQueries(
  filter: ReportFilter,
  format: ReportFormat = 'json',
): { queries: ReportQueries } | { problem: string } {
  const range = dayRange(filter.fromDay, filter.toDay);
  if (range === undefined) return { problem: 'Choose a start and an end date.' };
  if (range.to <= range.from) return { problem: 'The end date must not be before the start date.' };
  const base = { ...range, orgId: filter.orgId || undefined, format: format === 'csv' ? 'csv' : undefined };
  return {
    queries: {
      usage: { ...base, period: filter.period },
      topApps: { ...base, dimension: 'app', limit: 10 },
      topUsers: { ...base, dimension: 'user', limit: 10 },
      concurrency: { ...base, period: filter.period === 'hour' ? 'hour' : 'day' },
    },
  };
}

export interface AuditFilter {
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  orgId: string;
  fromDay: string;
  toDay: string;
}

export const emptyAuditFilter: AuditFilter = {
  actorId: '',
  action: '',
  targetType: '',
  targetId: '',
  orgId: '',
  fromDay: '',
  toDay: '',
};

/** The audit search query (auditSearchQuerySchema) from the search form; a day bound may be left open. */
export function auditQuery(
  filter: AuditFilter,
  options: { cursor?: string | undefined; limit?: number; format?: ReportFormat } = {},
): Query {
  const day = (value: string, offsetDays: number): string | undefined =>
    DAY.test(value)
      ? new Date(Date.parse(`${value}T00:00:00.000Z`) + offsetDays * 86_400_000).toISOString()
      : undefined;
  return {
    from: day(filter.fromDay, 0),
    to: day(filter.toDay, 1),
    orgId: filter.orgId.trim() || undefined,
    actorId: filter.actorId.trim() || undefined,
    action: filter.action.trim() || undefined,
    targetType: filter.targetType.trim() || undefined,
    targetId: filter.targetId.trim() || undefined,
    cursor: options.cursor,
    limit: options.limit ?? 50,
    format: options.format === 'csv' ? 'csv' : undefined,
  };
}

/**
 * Cursor paging as a stack: the cursors of the pages before the current one. The first page has no cursor.
 */
export interface CursorTrail {
  /** Cursors that opened each page so far; the last is the current page's (undefined for the first). */
  cursors: (string | undefined)[];
}

export const firstPage: CursorTrail = { cursors: [undefined] };

export function currentCursor(trail: CursorTrail): string | undefined {
  return trail.cursors.at(-1);
}

export function nextPage(trail: CursorTrail, nextCursor: string | null): CursorTrail {
  return nextCursor === null ? trail : { cursors: [...trail.cursors, nextCursor] };
}

export function previousPage(trail: CursorTrail): CursorTrail {
  return trail.cursors.length <= 1 ? trail : { cursors: trail.cursors.slice(0, -1) };
}

/** 1-based page number of an offset-paged list, and how many pages it has (at least one). */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / Math.max(1, pageSize)));
}
