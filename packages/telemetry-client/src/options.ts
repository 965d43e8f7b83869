import path from 'node:path';
import { telemetrySchema } from '@webstream/config';
import { telemetryBatchSchema } from '@webstream/contracts';
import { type Registry } from 'prom-client';
import { type z } from 'zod';

export interface TelemetryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The configuration's part of a client: where the engine is, the token, and how it buffers. */
export type TelemetrySettings = Pick<
  TelemetryClientOptions,
  'url' | 'serviceToken' | 'spoolDir' | 'maxMemoryEvents' | 'batchSize' | 'flushIntervalMs'
>;

export interface TelemetryClientOptions {
  /** Metrics engine base URL, e.g. http://localhost:9009. */
  url: string;
  serviceToken: string;
  /** Reporting service name, e.g. 'session-host'. */
  source: string;
  /** Folder for spilled batches, created if missing; one folder per client instance. */
  spoolDir: string;
  /** Events held in memory before the oldest are spilled to the spool; default and bounds as telemetry.maxMemoryEvents. */
  maxMemoryEvents?: number;
  /** Events per batch; default and bounds as telemetry.batchSize. */
  batchSize?: number;
  /** How often whatever is buffered is sent; default and bounds as telemetry.flushIntervalMs. */
  flushIntervalMs?: number;
  /** Bound of one ingest request. Default 5_000. */
  requestTimeoutMs?: number;
  /** Ceiling of the retry back-off. Default 30_000. */
  maxBackoffMs?: number;
  logger?: TelemetryLogger;
  /**
   * When given: telemetry_client_buffered_events{location="memory"|"disk"} gauge and the counters
   * telemetry_client_sent_events_total, telemetry_client_rejected_events_total,
   * telemetry_client_dropped_events_total and telemetry_client_send_failures_total.
   */
  registry?: Registry;
}

export interface ResolvedOptions {
  url: string;
  serviceToken: string;
  source: string;
  spoolDir: string;
  maxMemoryEvents: number;
  batchSize: number;
  flushIntervalMs: number;
  requestTimeoutMs: number;
  maxBackoffMs: number;
}

// Not configuration keys: how long one send may take and how far retries back off are the client's own.
const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_BACKOFF_MS = 30_000;
const SOURCE_SCHEMA = telemetryBatchSchema.shape.source;

/** Where no logger is given: warnings and errors as JSON lines on stderr. */
export const stderrLogger: TelemetryLogger = {
  info: () => undefined,
  warn: (obj, msg) => writeStderr('warn', obj, msg),
  error: (obj, msg) => writeStderr('error', obj, msg),
};

function writeStderr(level: string, obj: object, msg: string): void {
  process.stderr.write(`${JSON.stringify({ level, name: 'telemetry-client', ...obj, msg })}\n`);
}

/** The options with their defaults, or a TypeError/RangeError naming the option that could never work. */
export function resolveOptions(options: TelemetryClientOptions): ResolvedOptions {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError(
      `telemetry client: url must be an absolute http(s) URL, got ${JSON.stringify(options.url)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`telemetry client: url must be http(s), got ${url.protocol}`);
  }
  if (typeof options.serviceToken !== 'string' || options.serviceToken.length === 0) {
    throw new TypeError('telemetry client: serviceToken is required');
  }
  if (!SOURCE_SCHEMA.safeParse(options.source).success) {
    throw new TypeError(
      `telemetry client: source must be a service name such as session-host, got ${JSON.stringify(options.source)}`,
    );
  }
  if (typeof options.spoolDir !== 'string' || options.spoolDir.length === 0) {
    throw new TypeError('telemetry client: spoolDir is required');
  }
  const settings = telemetrySchema.shape;
  return {
    url: options.url.replace(/\/+$/, ''),
    serviceToken: options.serviceToken,
    source: options.source,
    spoolDir: path.resolve(options.spoolDir),
    maxMemoryEvents: setting('maxMemoryEvents', settings.maxMemoryEvents, options.maxMemoryEvents),
    batchSize: setting('batchSize', settings.batchSize, options.batchSize),
    flushIntervalMs: setting('flushIntervalMs', settings.flushIntervalMs, options.flushIntervalMs),
    requestTimeoutMs: positiveInt('requestTimeoutMs', options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
    maxBackoffMs: positiveInt('maxBackoffMs', options.maxBackoffMs, DEFAULT_MAX_BACKOFF_MS),
  };
}

/** A `telemetry.*` setting checked by the configuration's own rule, its default where not given. */
function setting(
  name: string,
  rule: z.ZodType<number, number | undefined>,
  value: number | undefined,
): number {
  const parsed = rule.safeParse(value);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues[0]?.message ?? 'is out of range';
  throw new RangeError(`telemetry client: ${name} ${why}, got ${value}`);
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`telemetry client: ${name} must be a whole number from 1, got ${value}`);
  }
  return value;
}
