import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type RetentionOutcome } from '@webstream/contracts';
import { PinoLogger } from 'nestjs-pino';
import { RetentionRepository } from './retention.repository';
import { RETENTION_SETTINGS, type RetentionSettings, rawSamplesFrom } from './retention.settings';

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
    private readonly retention: RetentionRepository,
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
    this.running = this.retention.withJobLock(async (tx) => {
      const currentHour = new Date(now);
      currentHour.setUTCMinutes(0, 0, 0);
      const cutoff = rawSamplesFrom(this.settings, now);
      // Recent complete hours (late samples within a couple of hours still count), then every hour about to
      // be deleted, recomputed from all its raw samples.
      const aggregatedHours = (await tx.aggregateRecent(currentHour)) + (await tx.aggregateAllBefore(cutoff));
      const endedSilentSessions = await tx.endSessionsSilentSince(
        new Date(now.getTime() - this.settings.openSessionTimeoutMinutes * 60_000),
      );
      const before = (days: number): Date => new Date(now.getTime() - days * DAY_MS);
      const monthsAgo = new Date(now);
      monthsAgo.setUTCMonth(monthsAgo.getUTCMonth() - this.settings.hourlyAggregateMonths);
      return {
        endedSilentSessions,
        aggregatedHours,
        deletedSamples: await tx.deleteSamplesBefore(cutoff),
        deletedHourly: await tx.deleteHourlyBefore(monthsAgo),
        deletedActivity: await tx.deleteActivityBefore(before(this.settings.activityDays)),
        deletedAudit:
          this.settings.auditDays > 0 ? await tx.deleteAuditBefore(before(this.settings.auditDays)) : 0,
        // A client may resend a spooled batch long after it was stored (a crash between the engine's commit
        // and the spool file's removal): keys outlive raw samples.
        deletedBatchKeys: await tx.deleteBatchKeysBefore(
          before(Math.max(this.settings.rawSampleDays, BATCH_KEY_DAYS)),
        ),
      };
    });
    return this.running;
  }
}
