import { type WebstreamConfig } from './schema';

/** Seconds of consecutive failed probes after which the gateway marks a backend Unreachable. */
export function gatewayFailureWindowSeconds(config: WebstreamConfig): number {
  return config.gateway.healthCheck.interval * config.gateway.healthCheck.failureThreshold;
}

/** Settings that are valid but work against the seed's operational advice, each with the reason. */
export function configWarnings(config: WebstreamConfig): string[] {
  const warnings: string[] = [];
  const { healthCheck, backend } = config.gateway;
  if (healthCheck.timeout < 6) {
    warnings.push(
      `gateway.healthCheck.timeout is ${healthCheck.timeout} s; keep it at 6 s or more so a backend that answers ` +
        'slowly while it provisions a login is not counted as failing',
    );
  }
  if (healthCheck.failureThreshold < 3) {
    warnings.push(
      `gateway.healthCheck.failureThreshold is ${healthCheck.failureThreshold}; keep it at 3 or more so a backend ` +
        'busy with login provisioning is not flapped out of routing',
    );
  }
  const window = gatewayFailureWindowSeconds(config);
  if (backend.heartbeatInterval >= window) {
    warnings.push(
      `gateway.backend.heartbeatInterval (${backend.heartbeatInterval} s) is not shorter than the gateway's failure ` +
        `window (gateway.healthCheck.interval ${healthCheck.interval} s × failureThreshold ` +
        `${healthCheck.failureThreshold} = ${window} s); a session host could be marked Unreachable between two ` +
        'heartbeats',
    );
  }
  return warnings;
}
