import { type AdminSession } from '@webstream/contracts';
import { describe, expect, it } from 'vitest';
import {
  daysUntil,
  formatRate,
  formatSince,
  seatUsage,
  withLiveMetrics,
} from '../../src/admin/operations-data';
import { concurrencySeries, periodLabel, totalsByPeriod, usageSeries } from '../../src/admin/reports-data';
import { sectionOf, sectionsFor } from '../../src/admin/sections';

describe('usage report rows', () => {
  const rows = [
    { periodStart: '2024-03-02T00:00:00.000Z', key: 'org-a', minutes: 10, sessions: 1 },
    { periodStart: '2024-03-01T00:00:00.000Z', key: 'org-a', minutes: 5.25, sessions: 2 },
    { periodStart: '2024-03-01T00:00:00Z', key: 'org-b', minutes: 4.8, sessions: 1 },
  ];

  it('sums the keys of each period, in time order', () => {
    expect(totalsByPeriod(rows)).toEqual([
      { periodStart: '2024-03-01T00:00:00.000Z', minutes: 10.1, sessions: 3 },
      { periodStart: '2024-03-02T00:00:00.000Z', minutes: 10, sessions: 1 },
    ]);
    expect(usageSeries(rows, 'day')).toEqual([
      { label: '2024-03-01', value: 10.1 },
      { label: '2024-03-02', value: 10 },
    ]);
  });

  it('labels periods by their size', () => {
    expect(periodLabel('2024-03-01T13:00:00.000Z', 'hour')).toBe('2024-03-01 13:00');
    expect(periodLabel('2024-03-01T00:00:00.000Z', 'month')).toBe('2024-03');
  });

  it('orders concurrency peaks by time', () => {
    expect(
      concurrencySeries(
        [
          { periodStart: '2024-03-02T00:00:00.000Z', peak: 4 },
          { periodStart: '2024-03-01T00:00:00.000Z', peak: 7 },
        ],
        'day',
      ).map((datum) => datum.value),
    ).toEqual([7, 4]);
  });
});

describe('operations', () => {
  const base: AdminSession = {
    sessionId: 's1',
    state: 'active',
    userId: 'u1',
    username: 'alice',
    orgId: 'o1',
    workspaceId: 'w1',
    workspaceName: 'Office',
    appId: 'a1',
    appExe: 'notepad.exe',
    backend: 'http://host-1:8080',
    createdAt: '2024-03-01T10:00:00.000Z',
    updatedAt: '2024-03-01T10:00:00.000Z',
  };

  it('joins the live figures by session id and leaves unknown sessions empty', () => {
    const rows = withLiveMetrics(
      [base, { ...base, sessionId: 's2' }],
      [
        {
          sessionId: 's1',
          userId: 'u1',
          orgId: 'o1',
          appId: 'a1',
          workspaceId: 'w1',
          node: null,
          startedAt: base.createdAt,
          fps: 30,
          bandwidth: 2048,
          latency: 12,
        },
      ],
    );
    expect(rows.map((row) => [row.sessionId, row.fps, row.bandwidth, row.latency])).toEqual([
      ['s1', 30, 2048, 12],
      ['s2', null, null, null],
    ]);
    expect(withLiveMetrics([base], undefined)[0]!.fps).toBeNull();
  });

  it('formats rates, durations and seats', () => {
    expect(formatRate(null)).toBe('—');
    expect(formatRate(512)).toBe('512 B/s');
    expect(formatRate(1536)).toBe('1.5 KB/s');
    expect(formatRate(5 * 1024 * 1024)).toBe('5.0 MB/s');
    const start = Date.parse('2024-03-01T10:00:00.000Z');
    expect(formatSince('2024-03-01T10:00:00.000Z', start + 45_000)).toBe('45 s');
    expect(formatSince('2024-03-01T10:00:00.000Z', start + 3 * 3600_000 + 5 * 60_000)).toBe('3 h 05 min');
    expect(seatUsage({ valid: true, activeStreamers: 3, maxStreamers: 4 })).toEqual({
      text: '3 of 4',
      share: 0.75,
    });
    expect(seatUsage({ valid: true, activeStreamers: 3 }).share).toBeUndefined();
    expect(daysUntil('2024-03-11T00:00:00.000Z', Date.parse('2024-03-01T00:00:00.000Z'))).toBe(10);
  });
});

describe('navigation sections', () => {
  it('shows organizations to platform admins only', () => {
    expect(sectionsFor('platform-admin').map((section) => section.id)).toContain('organizations');
    expect(sectionsFor('org-admin').map((section) => section.id)).not.toContain('organizations');
    expect(sectionsFor('org-admin')).toHaveLength(10);
  });

  it('shows identity providers to organization admins too (they run their own sign-in)', () => {
    expect(sectionsFor('org-admin').map((section) => section.id)).toContain('identity-providers');
    expect(sectionOf('/admin/identity-providers/new', 'org-admin')?.label).toBe('Identity providers');
  });

  it('finds the section of a nested path, and none for a hidden one', () => {
    expect(sectionOf('/admin/users/123', 'org-admin')?.id).toBe('users');
    expect(sectionOf('/admin/organizations', 'org-admin')).toBeUndefined();
    expect(sectionOf('/admin', 'platform-admin')).toBeUndefined();
  });
});
