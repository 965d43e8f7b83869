import { describe, expect, it } from 'vitest';
import {
  auditQuery,
  currentCursor,
  dayRange,
  emptyAuditFilter,
  firstPage,
  lastDays,
  nextPage,
  pageCount,
  previousPage,
  reportQueries,
  toQueryString,
} from '../../src/admin/query';

describe('toQueryString', () => {
  it('leaves out undefined and empty values and encodes the rest', () => {
    expect(toQueryString({ q: 'a b&c', page: 2, orgId: undefined, empty: '' })).toBe('?q=a+b%26c&page=2');
    expect(toQueryString({ q: undefined })).toBe('');
  });
});

describe('dayRange', () => {
  it('covers both days whole, in UTC', () => {
    expect(dayRange('2024-03-01', '2024-03-31')).toEqual({
      from: '2024-03-01T00:00:00.000Z',
      to: '2024-04-01T00:00:00.000Z',
    });
  });

  it('refuses a missing date', () => {
    expect(dayRange('', '2024-03-31')).toBeUndefined();
  });
});

describe('reportQueries', () => {
  const filter = { fromDay: '2024-03-01', toDay: '2024-03-07', period: 'week' as const };

  it('builds the four reports with the same range, top lists by app and user', () => {
    const result = reportQueries(filter);
    if (!('queries' in result)) throw new Error(result.problem);
    expect(result.queries.usage).toMatchObject({
      from: '2024-03-01T00:00:00.000Z',
      to: '2024-03-08T00:00:00.000Z',
      period: 'week',
    });
    expect(result.queries.topApps).toMatchObject({ dimension: 'app', limit: 10 });
    expect(result.queries.topUsers).toMatchObject({ dimension: 'user' });
    // Concurrency knows only hour and day.
    expect(result.queries.concurrency['period']).toBe('day');
    expect(result.queries.usage['format']).toBeUndefined();
  });

  it('asks for CSV and keeps hourly concurrency', () => {
    const result = reportQueries({ ...filter, period: 'hour', orgId: 'org-1' }, 'csv');
    if (!('queries' in result)) throw new Error(result.problem);
    expect(result.queries.concurrency).toMatchObject({ period: 'hour', format: 'csv', orgId: 'org-1' });
    expect(toQueryString(result.queries.topApps)).toContain('format=csv');
  });

  it('refuses an end before the start', () => {
    expect(reportQueries({ ...filter, fromDay: '2024-03-08', toDay: '2024-03-01' })).toEqual({
      problem: 'The end date must not be before the start date.',
    });
  });

  it('defaults to the last days including today', () => {
    expect(lastDays(30, new Date('2024-03-31T15:00:00Z'))).toEqual({
      fromDay: '2024-03-02',
      toDay: '2024-03-31',
    });
  });
});

describe('auditQuery', () => {
  it('maps the form to auditSearchQuerySchema, trimming and leaving out empty fields', () => {
    const query = auditQuery(
      { ...emptyAuditFilter, action: ' user.create ', toDay: '2024-05-01' },
      { cursor: 'abc', limit: 25 },
    );
    expect(query).toEqual({
      from: undefined,
      to: '2024-05-02T00:00:00.000Z',
      orgId: undefined,
      actorId: undefined,
      action: 'user.create',
      targetType: undefined,
      targetId: undefined,
      cursor: 'abc',
      limit: 25,
      format: undefined,
    });
    expect(toQueryString(auditQuery(emptyAuditFilter, { format: 'csv' }))).toBe('?limit=50&format=csv');
  });
});

describe('cursor paging', () => {
  it('goes forward with the next cursor and back to the previous page', () => {
    const second = nextPage(firstPage, 'c2');
    const third = nextPage(second, 'c3');
    expect(currentCursor(third)).toBe('c3');
    expect(currentCursor(previousPage(third))).toBe('c2');
    expect(currentCursor(previousPage(second))).toBeUndefined();
    expect(previousPage(firstPage)).toBe(firstPage);
    expect(nextPage(third, null)).toBe(third);
  });

  it('counts offset pages, at least one', () => {
    expect(pageCount(0, 25)).toBe(1);
    expect(pageCount(51, 25)).toBe(3);
  });
});
