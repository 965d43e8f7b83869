// The sections every service reads alike: its telemetry client, Redis, the embedded database, logs, request
// bodies, tracing and the /metrics endpoint.
import { z } from 'zod';
import { HTTP, enumOf, flag, port, rule, secret, text, urlWith, wholeNumber } from './primitives';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const satisfies readonly LogLevel[];

/**
 * The `telemetry` section: how each service's reporting client buffers, spools and batches its events. Exported so
 * the telemetry client takes its defaults and limits from here rather than repeating them.
 */
export const telemetrySchema = z.strictObject({
  // Where each service's reporting client spills what it cannot keep in memory or send yet.
  spoolDir: text('a directory path').default('./.data/telemetry'),
  maxMemoryEvents: wholeNumber(100).default(10_000),
  batchSize: wholeNumber(1).max(5_000, { error: 'must be at most 5000' }).default(500),
  flushIntervalMs: wholeNumber(10).default(1_000),
});

export const redisSchema = z.strictObject({
  url: urlWith(
    ['redis:', 'rediss:'],
    'must be a redis:// or rediss:// URL such as redis://redis:6379',
  ).optional(),
  // Put before every key WebStream writes, so that several deployments (or test runs) can share a server.
  keyPrefix: z
    .string({ error: rule('must be a key prefix such as webstream:') })
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: 'must be 1-64 letters, digits or _ . : -' })
    .default('webstream:'),
});

export const embeddedDatabaseSchema = z.strictObject({
  dataDir: text('a directory path').default('./.data/postgres'),
  port: port(5433),
});

export const loggingSchema = z.strictObject({
  level: enumOf(LOG_LEVELS, 'info'),
});

export const requestBodiesSchema = z.strictObject({
  // The largest JSON body of a route, on every service; a larger one is refused with 413.
  defaultMaxBytes: wholeNumber(1_024).default(1024 * 1024),
  // The metrics engine's telemetry ingest, where a full batch (5,000 events) is a few MB of JSON.
  telemetryMaxBytes: wholeNumber(1_024).default(16 * 1024 * 1024),
});

const tracingSchema = z.strictObject({
  // OpenTelemetry traces, exported over OTLP/HTTP (JSON). Off by default: nothing is sent anywhere.
  enabled: flag(false),
  // The collector's traces URL, e.g. http://otel-collector:4318/v1/traces. Without one the exporter follows
  // the standard OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT, else localhost:4318.
  endpoint: urlWith(
    HTTP,
    'must be an http:// or https:// URL such as http://otel-collector:4318/v1/traces',
  ).optional(),
  // The share of new traces recorded (0..1); a request that arrives with a sampled traceparent is always followed.
  sampleRatio: z
    .number({ error: rule('must be a number from 0 to 1') })
    .min(0)
    .max(1)
    .default(1),
});

export const observabilitySchema = z.strictObject({
  tracing: tracingSchema.prefault({}),
});

export const metricsSchema = z.strictObject({
  // Prometheus's bearer_token: /metrics answers only requests that carry it; without one, no port serves it.
  bearerToken: secret('a token', 32).optional(),
});
