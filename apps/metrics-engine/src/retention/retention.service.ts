import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type RetentionOutcome } from '@webstream/contracts';
import { PinoLogger } from 'nestjs-pino';
import { MetricsDatabase } from '../database/metrics-database';
import { Prisma } from '../generated/prisma/client';
import {
  LATE_SAMPLE_HOURS,
  RETENTION_SETTINGS,
  type RetentionSettings,
  rawSamplesFrom,
} from './retention.settings';

type Transaction = Parameters<Parameters<MetricsDatabase['$transaction']>[0]>[0];

// Any engine may run the job; the lock makes concurrent runs from several engines take turns.
const RETENTION_LOCK = 0x77_73_72_74; // "wsrt"
const DAY_MS = 86_400_000;
const BATCH_KEY_DAYS = 30;

/**
 * Downsamples complete hours of raw samples into hourly aggregates, then deletes what is older than each
 * retention window. Aggregation runs first, so no raw sample is deleted before its hour is summarised.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionOutcome | null> | undefined;

  constructor(
    private readonly db: MetricsDatabase,
    @Inject(RETENTION_SETTINGS) private readonly settings: RetentionSettings,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(RetentionService.name);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runScheduled(), this.settings.intervalMinutes * 60_000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async runScheduled(): Promise<void> {
    try {
      const outcome = await this.run(new Date());
      if (outcome) this.logger.info(outcome, 'retention job done');
    } catch (error) {
      this.logger.error({ err: error }, 'retention job failed; it runs again at the next interval');
    }
  }

  /** Summarises [from, to) into hourly rows, replacing what those hours held; from is SQL (null = nothing). */
  private aggregate(tx: Transaction, from: Prisma.Sql, to: Date): Promise<number> {
    return tx.$executeRaw`
      INSERT INTO "SampleHourly" (metric, node, hour, count, sum, min, max)
      SELECT metric, coalesce(node, ''), date_trunc('hour', at, 'UTC'), count(*), sum(value), min(value), max(value)
      FROM "MetricSample"
      WHERE at >= (${from}) AND at < ${to}::timestamptz
      GROUP BY 1, 2, 3
      ON CONFLICT (metric, node, hour) DO UPDATE SET
        count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max`;
  }

  /**
   * A session-end is lost when its host dies. A running session whose streamer has reported nothing for
   * the timeout (or, when it never reported, whose node has not) is ended at its last sign of life.
   * Sessions with no figures at all are left as they are: nothing says they stopped.
   */
  private endSilentSessions(tx: Transaction, now: Date): Promise<number> {
    const silentSince = new Date(now.getTime() - this.settings.openSessionTimeoutMinutes * 60_000);
    return tx.$executeRaw`
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

  /** One pass; null when another engine holds the job. */
  run(now: Date): Promise<RetentionOutcome | null> {
    this.running = this.db.$transaction(
      async (tx) => {
        const [{ locked }] = await tx.$queryRaw<
          [{ locked: boolean }]
        >`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK}) AS locked`;
        if (!locked) return null;
        // The job may take longer than a report is allowed to.
        await tx.$executeRaw`SET LOCAL statement_timeout = 0`;
        const currentHour = new Date(now);
        currentHour.setUTCMinutes(0, 0, 0);
        const cutoff = rawSamplesFrom(this.settings, now);
        // Recent complete hours (late samples within a couple of hours still count), then every hour about
        // to be deleted, recomputed from all its raw samples, however late they arrived.
        const aggregatedHours =
          (await this.aggregate(
            tx,
            Prisma.sql`coalesce(
              (SELECT max(hour) FROM "SampleHourly") - make_interval(hours => ${LATE_SAMPLE_HOURS}),
              (SELECT date_trunc('hour', min(at), 'UTC') FROM "MetricSample"))`,
            currentHour,
          )) +
          (await this.aggregate(
            tx,
            Prisma.sql`(SELECT date_trunc('hour', min(at), 'UTC') FROM "MetricSample")`,
            cutoff,
          ));
        const endedSilentSessions = await this.endSilentSessions(tx, now);
        const before = (days: number): Date => new Date(now.getTime() - days * DAY_MS);
        const monthsAgo = new Date(now);
        monthsAgo.setUTCMonth(monthsAgo.getUTCMonth() - this.settings.hourlyAggregateMonths);
        const deletedSamples = await tx.$executeRaw`
          DELETE FROM "MetricSample" WHERE at < ${cutoff}::timestamptz`;
        const deletedHourly =
          await tx.$executeRaw`DELETE FROM "SampleHourly" WHERE hour < ${monthsAgo}::timestamptz`;
        const deletedActivity = await tx.$executeRaw`
          DELETE FROM "ActivityEvent" WHERE at < ${before(this.settings.activityDays)}::timestamptz`;
        const deletedAudit =
          this.settings.auditDays > 0
            ? await tx.$executeRaw`DELETE FROM "AuditEvent" WHERE at < ${before(this.settings.auditDays)}::timestamptz`
            : 0;
        // A client may resend a spooled batch long after it was stored (a crash between the engine's commit
        // and the spool file's removal): keys outlive raw samples.
        const deletedBatchKeys = await tx.$executeRaw`
          DELETE FROM "IngestBatch" WHERE "receivedAt" < ${before(Math.max(this.settings.rawSampleDays, BATCH_KEY_DAYS))}::timestamptz`;
        return {
          endedSilentSessions,
          aggregatedHours,
          deletedSamples,
          deletedHourly,
          deletedActivity,
          deletedAudit,
          deletedBatchKeys,
        };
      },
      { timeout: 10 * 60_000, maxWait: 30_000 },
    );
    return this.running;
  }
}
