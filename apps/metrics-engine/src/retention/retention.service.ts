import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { MetricsDatabase } from '../database/metrics-database';
import { RETENTION_SETTINGS, type RetentionSettings } from './retention.settings';

export interface RetentionOutcome {
  aggregatedHours: number;
  deletedSamples: number;
  deletedHourly: number;
  deletedActivity: number;
  deletedAudit: number;
  deletedBatchKeys: number;
}

// Any engine may run the job; the lock makes concurrent runs from several engines take turns.
const RETENTION_LOCK = 0x77_73_72_74; // "wsrt"
// Hours before the newest aggregate are recomputed, so samples that arrive a little late still count.
const LATE_SAMPLE_HOURS = 2;
const DAY_MS = 86_400_000;

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

  /** One pass; null when another engine holds the job. */
  run(now: Date): Promise<RetentionOutcome | null> {
    this.running = this.db.$transaction(
      async (tx) => {
        const [{ locked }] = await tx.$queryRaw<
          [{ locked: boolean }]
        >`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK}) AS locked`;
        if (!locked) return null;
        const currentHour = new Date(now);
        currentHour.setUTCMinutes(0, 0, 0);
        const aggregatedHours = await tx.$executeRaw`
          WITH since AS (
            SELECT coalesce(
              (SELECT max(hour) FROM "SampleHourly") - make_interval(hours => ${LATE_SAMPLE_HOURS}),
              (SELECT date_trunc('hour', min(at), 'UTC') FROM "MetricSample")
            ) AS lo
          )
          INSERT INTO "SampleHourly" (metric, node, hour, count, sum, min, max)
          SELECT metric, coalesce(node, ''), date_trunc('hour', at, 'UTC'), count(*), sum(value), min(value), max(value)
          FROM "MetricSample", since
          WHERE at >= since.lo AND at < ${currentHour}::timestamptz
          GROUP BY 1, 2, 3
          ON CONFLICT (metric, node, hour) DO UPDATE SET
            count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max`;
        const before = (days: number): Date => new Date(now.getTime() - days * DAY_MS);
        const monthsAgo = new Date(now);
        monthsAgo.setUTCMonth(monthsAgo.getUTCMonth() - this.settings.hourlyAggregateMonths);
        const deletedSamples = await tx.$executeRaw`
          DELETE FROM "MetricSample" WHERE at < least(${before(this.settings.rawSampleDays)}::timestamptz, ${currentHour}::timestamptz)`;
        const deletedHourly =
          await tx.$executeRaw`DELETE FROM "SampleHourly" WHERE hour < ${monthsAgo}::timestamptz`;
        const deletedActivity = await tx.$executeRaw`
          DELETE FROM "ActivityEvent" WHERE at < ${before(this.settings.activityDays)}::timestamptz`;
        const deletedAudit =
          this.settings.auditDays > 0
            ? await tx.$executeRaw`DELETE FROM "AuditEvent" WHERE at < ${before(this.settings.auditDays)}::timestamptz`
            : 0;
        // A client retries a batch for as long as its spool lives; keys are kept as long as raw samples.
        const deletedBatchKeys = await tx.$executeRaw`
          DELETE FROM "IngestBatch" WHERE "receivedAt" < ${before(this.settings.rawSampleDays)}::timestamptz`;
        return {
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
