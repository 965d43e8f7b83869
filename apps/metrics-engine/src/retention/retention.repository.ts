import { Injectable } from '@nestjs/common';
import { MetricsDatabase } from '../database/metrics-database';
import { Prisma } from '../generated/prisma/client';
import { LATE_SAMPLE_HOURS } from './retention.settings';

type Transaction = Parameters<Parameters<MetricsDatabase['$transaction']>[0]>[0];

// Any engine may run the job; the lock makes concurrent runs from several engines take turns.
const RETENTION_LOCK = 0x77_73_72_74; // "wsrt"
const JOB_TIMEOUT_MS = 10 * 60_000;
const LOCK_WAIT_MS = 30_000;

/** The retention job's statements, all in the one transaction that holds the job's lock. */
export class RetentionTransaction {
  constructor(private readonly tx: Transaction) {}

  /**
   * Summarises raw samples from the newest summarised hour (less the hours late samples may still reach),
   * or from the first sample, up to `to` into hourly rows, replacing what those hours held.
   */
  aggregateRecent(to: Date): Promise<number> {
    return this.aggregate(
      Prisma.sql`coalesce(
        (SELECT max(hour) FROM "SampleHourly") - make_interval(hours => ${LATE_SAMPLE_HOURS}),
        (SELECT date_trunc('hour', min(at), 'UTC') FROM "MetricSample"))`,
      to,
    );
  }

  /** Summarises every hour of raw samples before `to`, however late its samples arrived. */
  aggregateAllBefore(to: Date): Promise<number> {
    return this.aggregate(Prisma.sql`(SELECT date_trunc('hour', min(at), 'UTC') FROM "MetricSample")`, to);
  }

  /**
   * A session-end is lost when its host dies. A running session whose streamer has reported nothing since
   * `silentSince` (or, when it never reported, whose node has not) is ended at its last sign of life.
   * Sessions with no figures at all are left as they are: nothing says they stopped.
   */
  endSessionsSilentSince(silentSince: Date): Promise<number> {
    return this.tx.$executeRaw`
      UPDATE "UsageSession" u SET "endedAt" = greatest(u."startedAt", seen.at)
      FROM (
        SELECT s."sessionId", coalesce(
          (SELECT max(at) FROM "LatestSample" l WHERE l.scope = s."sessionId" AND l.metric LIKE 'streamer.%'),
          (SELECT max(at) FROM "LatestSample" l WHERE l.scope = s."node" AND l.metric LIKE 'node.%')
        ) AS at
        FROM "UsageSession" s
        WHERE s."endedAt" IS NULL
      ) seen
      WHERE u."sessionId" = seen."sessionId" AND seen.at < ${silentSince}::timestamptz`;
  }

  deleteSamplesBefore(cutoff: Date): Promise<number> {
    return this.tx.$executeRaw`DELETE FROM "MetricSample" WHERE at < ${cutoff}::timestamptz`;
  }

  deleteHourlyBefore(cutoff: Date): Promise<number> {
    return this.tx.$executeRaw`DELETE FROM "SampleHourly" WHERE hour < ${cutoff}::timestamptz`;
  }

  deleteActivityBefore(cutoff: Date): Promise<number> {
    return this.tx.$executeRaw`DELETE FROM "ActivityEvent" WHERE at < ${cutoff}::timestamptz`;
  }

  deleteAuditBefore(cutoff: Date): Promise<number> {
    return this.tx.$executeRaw`DELETE FROM "AuditEvent" WHERE at < ${cutoff}::timestamptz`;
  }

  deleteBatchKeysBefore(cutoff: Date): Promise<number> {
    return this.tx.$executeRaw`DELETE FROM "IngestBatch" WHERE "receivedAt" < ${cutoff}::timestamptz`;
  }

  /** [from, to) into hourly rows; `from` is SQL (null: nothing to summarise). */
  private aggregate(from: Prisma.Sql, to: Date): Promise<number> {
    return this.tx.$executeRaw`
      INSERT INTO "SampleHourly" (metric, node, hour, count, sum, min, max)
      SELECT metric, coalesce(node, ''), date_trunc('hour', at, 'UTC'), count(*), sum(value), min(value), max(value)
      FROM "MetricSample"
      WHERE at >= (${from}) AND at < ${to}::timestamptz
      GROUP BY 1, 2, 3
      ON CONFLICT (metric, node, hour) DO UPDATE SET
        count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max`;
  }
}

@Injectable()
export class RetentionRepository {
  constructor(private readonly db: MetricsDatabase) {}

  /** `job` in one transaction holding the retention lock; null, without running it, when another holds it. */
  withJobLock<T>(job: (tx: RetentionTransaction) => Promise<T>): Promise<T | null> {
    return this.db.$transaction(
      async (tx) => {
        const [{ locked }] = await tx.$queryRaw<
          [{ locked: boolean }]
        >`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK}) AS locked`;
        if (!locked) return null;
        // The job may take longer than a report is allowed to.
        await tx.$executeRaw`SET LOCAL statement_timeout = 0`;
        return job(new RetentionTransaction(tx));
      },
      { timeout: JOB_TIMEOUT_MS, maxWait: LOCK_WAIT_MS },
    );
  }
}
