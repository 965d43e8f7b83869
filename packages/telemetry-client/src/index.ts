export {
  TelemetryClient,
  type TelemetryClientOptions,
  type TelemetryClientStats,
  type TelemetryLogger,
} from './telemetry-client';
export { REJECTED_DIR } from './spool';
