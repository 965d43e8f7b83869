export {
  TelemetryClient,
  type TelemetryClientOptions,
  type TelemetryClientStats,
  type TelemetryLogger,
  type TelemetrySettings,
} from './telemetry-client';
export { REJECTED_DIR } from './spool';
