import { z } from 'zod';
import {
  SERVICE_TOKEN_MIN_LENGTH,
  hostOrIp,
  httpBaseUrl,
  port,
  postgresUrl,
  secret,
  wholeNumber,
} from './primitives';

const retentionSchema = z.strictObject({
  rawSampleDays: wholeNumber(1).default(7),
  hourlyAggregateMonths: wholeNumber(1).default(13),
  activityDays: wholeNumber(1).default(90),
  // 0 keeps the audit log for ever.
  auditDays: wholeNumber(0).default(0),
  intervalMinutes: wholeNumber(1).default(60),
  // A session whose streamer (or, without streamer figures, whose node) has been silent this long is
  // ended at its last sign of life, so a lost session-end does not count as running for ever.
  openSessionTimeoutMinutes: wholeNumber(1).default(10),
});

export const metricsEngineSchema = z.strictObject({
  publicIP: hostOrIp('0.0.0.0'),
  httpPort: port(9009),
  url: httpBaseUrl('http://metrics.internal:9009').default('http://localhost:9009'),
  databaseUrl: postgresUrl().optional(),
  // The credential every caller of /api/* presents; no default, `webstream all` generates one per run.
  serviceToken: secret('a token', SERVICE_TOKEN_MIN_LENGTH).optional(),
  retention: retentionSchema.prefault({}),
});
