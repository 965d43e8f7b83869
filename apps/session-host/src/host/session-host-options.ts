import { Inject } from '@nestjs/common';
import { BACKEND_TOKEN } from '@webstream/service-kit';
import { type StreamerLauncher } from '../sessions/streamer-launcher';

/**
 * Timing and wiring of the session host that are not configuration: the defaults are what production runs
 * with (the seed's registration cadence, the real streamer-agent); tests shorten the waits and launch a
 * stand-in streamer.
 */
export interface SessionHostOptions {
  /** Between two registration attempts; REGISTER_RETRY_INTERVAL_SECONDS (30 s) unless given. */
  registerRetryIntervalMs?: number;
  /** Retries after the first attempt; REGISTER_MAX_RETRIES (10) unless given. */
  registerMaxRetries?: number;
  /** How each session's streamer is started; the built @webstream/streamer-agent unless given. */
  streamerLauncher?: StreamerLauncher;
  /** How long a streamer's process group has between SIGTERM and SIGKILL; 3 s unless given. */
  killGraceMs?: number;
}

export const SESSION_HOST_OPTIONS = Symbol('SESSION_HOST_OPTIONS');
export const InjectSessionHostOptions = (): ParameterDecorator => Inject(SESSION_HOST_OPTIONS);

/** The X-Backend-Token this host presents to the gateway and to its streamers (service-kit's BackendAuthModule). */
export const InjectBackendToken = (): ParameterDecorator => Inject(BACKEND_TOKEN);

/** The bearer token of the metrics engine's /api/ingest (metricsEngine.serviceToken). */
export const METRICS_SERVICE_TOKEN = Symbol('METRICS_SERVICE_TOKEN');
export const InjectMetricsServiceToken = (): ParameterDecorator => Inject(METRICS_SERVICE_TOKEN);
