// @webstream/config: the one configuration file shared by every WebStream role. Read it once at start-up with
// loadConfig({ argv, env, cwd }) and pass the frozen result around; services never read process.env themselves.
export {
  webstreamConfigSchema,
  type WebstreamConfig,
  type LoadBalancingStrategy,
  type AccessManagementMode,
  type RateLimitGroup,
  RATE_LIMIT_GROUPS,
  telemetrySchema,
} from './schema';
export {
  CONFIG_ENV_FD_FLAG,
  EXIT_WITH_PARENT_FLAG,
  configOverrides,
  loadConfig,
  resolveConfigPath,
  type LoadedConfig,
  type ConfigSource,
} from './load';
export { ConfigError, type ConfigIssue } from './errors';
export { CONFIG_ENV_PREFIX } from './env';
export { redactConfig } from './redact';
export { configWarnings, gatewayFailureWindowSeconds } from './warnings';
