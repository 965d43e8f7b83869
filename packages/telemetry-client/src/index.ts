export { TelemetryClient, type TelemetryClientStats } from './telemetry-client';
export { type TelemetryClientOptions, type TelemetryLogger, type TelemetrySettings } from './options';
export { REJECTED_DIR } from './spool';
