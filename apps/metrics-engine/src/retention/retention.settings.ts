import { type WebstreamConfig } from '@webstream/config';

export type RetentionSettings = WebstreamConfig['metricsEngine']['retention'];
export const RETENTION_SETTINGS = Symbol('RETENTION_SETTINGS');

/** Hours before the newest aggregate are recomputed on each run, so samples a little late still count. */
export const LATE_SAMPLE_HOURS = 2;

/** The first hour still served from raw samples; everything before it is deleted and summarised. */
export function rawSamplesFrom(settings: RetentionSettings, now: Date): Date {
  const cutoff = new Date(now.getTime() - settings.rawSampleDays * 86_400_000);
  cutoff.setUTCMinutes(0, 0, 0);
  return cutoff;
}
