import { Inject, Injectable } from '@nestjs/common';
import {
  type ConcurrencyReportQuery,
  type ConcurrencyReportRow,
  type MetricsReportQuery,
  type MetricsReportRow,
  type TopReportQuery,
  type TopReportRow,
  type UsageDimension,
  type UsageReportQuery,
  type UsageReportRow,
} from '@webstream/contracts';
import { MetricsDatabase } from '../database/metrics-database';
import { Prisma } from '../generated/prisma/client';
import {
  LATE_SAMPLE_HOURS,
  RETENTION_SETTINGS,
  type RetentionSettings,
  rawSamplesFrom,
} from '../retention/retention.settings';

// Identifiers cannot be query parameters: they come from these fixed tables, never from the request.
const DIMENSION_COLUMN: Record<UsageDimension, Prisma.Sql> = {
  org: Prisma.raw('"orgId"'),
  user: Prisma.raw('"userId"'),
  app: Prisma.raw('"appId"'),
  workspace: Prisma.raw('"workspaceId"'),
};
const PERIOD: Record<'minute' | 'hour' | 'day' | 'week' | 'month', { unit: Prisma.Sql; step: Prisma.Sql }> = {
  minute: { unit: Prisma.raw(`'minute'`), step: Prisma.raw(`interval '1 minute'`) },
  hour: { unit: Prisma.raw(`'hour'`), step: Prisma.raw(`interval '1 hour'`) },
  day: { unit: Prisma.raw(`'day'`), step: Prisma.raw(`interval '1 day'`) },
  week: { unit: Prisma.raw(`'week'`), step: Prisma.raw(`interval '1 week'`) },
  month: { unit: Prisma.raw(`'month'`), step: Prisma.raw(`interval '1 month'`) },
};

function orgFilter(orgId: string | undefined): Prisma.Sql {
  return orgId ? Prisma.sql`AND s."orgId" = ${orgId}` : Prisma.empty;
}

/**
 * Usage is metered from sessions, not counted events: a session's minutes are the part of its
 * [start, end) span (end = now while it runs) that falls in each period and in the asked range.
 * Periods are UTC.
 */
@Injectable()
export class ReportsRepository {
  constructor(
    private readonly db: MetricsDatabase,
    @Inject(RETENTION_SETTINGS) private readonly retention: RetentionSettings,
  ) {}

  async usage(query: UsageReportQuery, now: Date): Promise<UsageReportRow[]> {
    const { unit, step } = PERIOD[query.period];
    const key = DIMENSION_COLUMN[query.groupBy];
    const rows = await this.db.$queryRaw<
      { periodStart: Date; key: string; minutes: number; sessions: bigint }[]
    >`
      WITH range AS (SELECT ${query.from}::timestamptz AS lo, ${query.to}::timestamptz AS hi, ${now}::timestamptz AS now),
      periods AS (
        SELECT p AS lo, p + ${step} AS hi
        FROM range, generate_series(date_trunc(${unit}, range.lo, 'UTC'), range.hi - interval '1 microsecond', ${step}) p
      )
      SELECT periods.lo AS "periodStart", s.${key} AS key,
        sum(greatest(0, extract(epoch FROM least(coalesce(s."endedAt", range.now), periods.hi, range.hi)
                             - greatest(s."startedAt", periods.lo, range.lo))) / 60)::float8 AS minutes,
        count(DISTINCT s."sessionId") AS sessions
      FROM range, periods
      JOIN "UsageSession" s ON s."startedAt" < periods.hi AND coalesce(s."endedAt", (SELECT now FROM range)) > periods.lo
      WHERE s."startedAt" < range.hi AND coalesce(s."endedAt", range.now) > range.lo ${orgFilter(query.orgId)}
      GROUP BY 1, 2
      HAVING sum(greatest(0, extract(epoch FROM least(coalesce(s."endedAt", range.now), periods.hi, range.hi)
                                  - greatest(s."startedAt", periods.lo, range.lo)))) > 0
      ORDER BY 1, 2`;
    return rows.map((row) => ({
      periodStart: row.periodStart.toISOString(),
      key: row.key,
      minutes: round(row.minutes),
      sessions: Number(row.sessions),
    }));
  }

  async top(query: TopReportQuery, now: Date): Promise<TopReportRow[]> {
    const key = DIMENSION_COLUMN[query.dimension];
    const rows = await this.db.$queryRaw<{ key: string; minutes: number; sessions: bigint }[]>`
      SELECT s.${key} AS key,
        sum(greatest(0, extract(epoch FROM least(coalesce(s."endedAt", ${now}::timestamptz), ${query.to}::timestamptz)
                             - greatest(s."startedAt", ${query.from}::timestamptz))) / 60)::float8 AS minutes,
        count(*) AS sessions
      FROM "UsageSession" s
      WHERE s."startedAt" < ${query.to}::timestamptz AND coalesce(s."endedAt", ${now}::timestamptz) > ${query.from}::timestamptz
        ${orgFilter(query.orgId)}
      GROUP BY 1
      ORDER BY minutes DESC, key
      LIMIT ${query.limit}`;
    return rows.map((row) => ({ key: row.key, minutes: round(row.minutes), sessions: Number(row.sessions) }));
  }

  /**
   * Peak concurrent sessions per period: a sweep over starts (+1) and ends (-1) in time order, an end
   * before a start at the same instant (back-to-back sessions do not overlap). A period's peak is the
   * highest level reached by a change in it, or, when no change falls on its first instant, the level
   * it inherited. One pass: changes are grouped by period and the inherited level carried by a window.
   */
  async concurrency(query: ConcurrencyReportQuery, now: Date): Promise<ConcurrencyReportRow[]> {
    const { unit, step } = PERIOD[query.period];
    const rows = await this.db.$queryRaw<{ periodStart: Date; peak: bigint | number }[]>`
      WITH sessions AS (
        SELECT s."startedAt" AS started, greatest(s."startedAt", coalesce(s."endedAt", ${now}::timestamptz)) AS ended
        FROM "UsageSession" s
        WHERE s."startedAt" < ${query.to}::timestamptz AND coalesce(s."endedAt", ${now}::timestamptz) > ${query.from}::timestamptz
          ${orgFilter(query.orgId)}
      ),
      changes AS (SELECT started AS t, 1 AS d FROM sessions UNION ALL SELECT ended, -1 FROM sessions),
      levels AS (
        SELECT t, sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS level,
          row_number() OVER (ORDER BY t, d) AS seq
        FROM changes
      ),
      periods AS (
        SELECT p AS lo
        FROM generate_series(date_trunc(${unit}, ${query.from}::timestamptz, 'UTC'), ${query.to}::timestamptz - interval '1 microsecond', ${step}) p
      ),
      first_period AS (SELECT min(lo) AS lo FROM periods),
      inherited_at_start AS (
        SELECT coalesce((SELECT level FROM levels, first_period WHERE levels.t < first_period.lo ORDER BY seq DESC LIMIT 1), 0) AS level
      ),
      per_period AS (
        SELECT date_trunc(${unit}, t, 'UTC') AS lo, max(level) AS peak,
          (array_agg(level ORDER BY seq DESC))[1] AS closing,
          bool_or(t = date_trunc(${unit}, t, 'UTC')) AS changes_at_start
        FROM levels, first_period WHERE t >= first_period.lo
        GROUP BY 1
      ),
      joined AS (
        SELECT periods.lo, per_period.peak, per_period.closing, coalesce(per_period.changes_at_start, false) AS changes_at_start,
          count(per_period.closing) OVER (ORDER BY periods.lo) AS grp
        FROM periods LEFT JOIN per_period ON per_period.lo = periods.lo
      ),
      filled AS (
        SELECT lo, peak, changes_at_start, first_value(closing) OVER (PARTITION BY grp ORDER BY lo) AS closing_so_far
        FROM joined
      )
      SELECT lo AS "periodStart", greatest(
        coalesce(peak, 0),
        CASE WHEN changes_at_start THEN 0
             ELSE coalesce(lag(closing_so_far) OVER (ORDER BY lo), (SELECT level FROM inherited_at_start)) END
      ) AS peak
      FROM filled
      ORDER BY 1`;
    return rows.map((row) => ({ periodStart: row.periodStart.toISOString(), peak: Number(row.peak) }));
  }

  /**
   * A metric over time. Raw samples serve the hours they are still kept for; older hours come from the
   * hourly aggregates, so a long range keeps working after raw samples are gone.
   */
  async metrics(query: MetricsReportQuery, now: Date): Promise<MetricsReportRow[]> {
    const { unit } = PERIOD[query.bucket];
    const rawFrom = rawSamplesFrom(this.retention, now);
    const node = query.node ? Prisma.sql`AND node = ${query.node}` : Prisma.empty;
    // Hour and day buckets read the hourly aggregates for every hour the retention job has summarised
    // and will not revisit (older than its late-sample window), and raw samples only after that: a week
    // by hour reads ~170 aggregate rows per node instead of every raw sample.
    // Computed first, as a value: a boundary inside the query would hide the time range from the planner,
    // which then scans every raw sample instead of the BRIN range.
    let boundary = rawFrom;
    if (query.bucket !== 'minute') {
      const [{ newest }] = await this.db.$queryRaw<[{ newest: Date | null }]>`
        SELECT max(hour) AS newest FROM "SampleHourly" WHERE metric = ${query.metric}`;
      const settled = newest ? new Date(newest.getTime() - LATE_SAMPLE_HOURS * 3_600_000) : rawFrom;
      if (settled > boundary) boundary = settled;
    }
    const hourly =
      query.bucket === 'minute'
        ? Prisma.empty
        : Prisma.sql`
          UNION ALL
          SELECT date_trunc(${unit}, hour, 'UTC'), sum, min, max, count FROM "SampleHourly"
          WHERE metric = ${query.metric} AND hour >= ${query.from}::timestamptz AND hour < least(${query.to}::timestamptz, ${boundary}::timestamptz) ${node}`;
    const rows = await this.db.$queryRaw<
      { bucketStart: Date; sum: number; min: number; max: number; count: bigint }[]
    >`
      SELECT bucket AS "bucketStart", sum(s)::float8 AS sum, min(mn)::float8 AS min, max(mx)::float8 AS max, sum(n)::bigint AS count
      FROM (
        SELECT date_trunc(${unit}, at, 'UTC') AS bucket, sum(value) AS s, min(value) AS mn, max(value) AS mx, count(*) AS n
        FROM "MetricSample"
        WHERE metric = ${query.metric} AND at >= greatest(${query.from}::timestamptz, ${boundary}::timestamptz) AND at < ${query.to}::timestamptz ${node}
        GROUP BY 1
        ${hourly}
      ) parts (bucket, s, mn, mx, n)
      GROUP BY 1
      ORDER BY 1`;
    return rows.map((row) => ({
      bucketStart: row.bucketStart.toISOString(),
      avg: round(row.sum / Number(row.count)),
      min: row.min,
      max: row.max,
      count: Number(row.count),
    }));
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
