// The one WebStream configuration file, as a zod schema. Every section is a strict object (a misspelt key is an
// error), every key has its default here, and every rule carries a message phrased for an operator.
//
// Messages in this folder are predicates without their subject ("must be an integer between 1 and 65535"); the
// formatter in ../errors.ts puts the key in front ("gateway.port must be an integer between 1 and 65535"). They never
// include the offending value, so a secret that fails validation is not echoed into a log.
import { z } from 'zod';
import { accessManagementSchema } from './access-management';
import { gatewaySchema, mcpApiKeysSchema, webstreamSettingsSchema } from './gateway';
import { metricsEngineSchema } from './metrics-engine';
import {
  embeddedDatabaseSchema,
  loggingSchema,
  metricsSchema,
  observabilitySchema,
  redisSchema,
  requestBodiesSchema,
  telemetrySchema,
} from './platform';
import { related } from './primitives';
import { sessionHostSchema, streamerSchema } from './session-host';

export {
  ACCESS_MANAGEMENT_MODES,
  TOKEN_SIGNING_KEY_MIN_LENGTH,
  type AccessManagementMode,
} from './access-management';
export {
  LOAD_BALANCING_STRATEGIES,
  MCP_KEY_MIN_LENGTH,
  RATE_LIMIT_GROUPS,
  type LoadBalancingStrategy,
  type RateLimitGroup,
} from './gateway';
export { LOG_LEVELS, telemetrySchema, type LogLevel } from './platform';
export { SERVICE_TOKEN_MIN_LENGTH, isIpOrCidr, isIpOrHostName, isUrlWithProtocol } from './primitives';

export const webstreamConfigSchema = z
  .strictObject({
    gateway: gatewaySchema.prefault({}),
    sessionHost: sessionHostSchema.prefault({}),
    streamer: streamerSchema.prefault({}),
    webstreamSettings: webstreamSettingsSchema.prefault({}),
    accessManagement: accessManagementSchema.prefault({}),
    mcpApiKeys: mcpApiKeysSchema,
    metricsEngine: metricsEngineSchema.prefault({}),
    telemetry: telemetrySchema.prefault({}),
    redis: redisSchema.prefault({}),
    embeddedDatabase: embeddedDatabaseSchema.prefault({}),
    logging: loggingSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    observability: observabilitySchema.prefault({}),
    requestBodies: requestBodiesSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    const { heartbeatInterval, heartbeatTimeout } = config.gateway.backend;
    if (heartbeatTimeout <= heartbeatInterval) {
      ctx.addIssue({
        code: 'custom',
        path: ['gateway', 'backend', 'heartbeatTimeout'],
        message: `must be longer than gateway.backend.heartbeatInterval (${heartbeatInterval} s), or every host would count as gone between two heartbeats`,
        params: related('gateway.backend.heartbeatInterval'),
      });
    }
    // A session host and its streamers always share a machine, so their ports must not collide.
    const first = config.streamer.basePort;
    const last = first + config.sessionHost.maxSessions - 1;
    if (last > 65535) {
      ctx.addIssue({
        code: 'custom',
        path: ['streamer', 'basePort'],
        message: `leaves no room for sessionHost.maxSessions (${config.sessionHost.maxSessions}) streamers: the last streamer port would be ${last}, above 65535`,
        params: related('sessionHost.maxSessions'),
      });
    } else if (config.sessionHost.port >= first && config.sessionHost.port <= last) {
      ctx.addIssue({
        code: 'custom',
        path: ['streamer', 'basePort'],
        message: `puts the streamer ports ${first}-${last} over sessionHost.port (${config.sessionHost.port}); they share the session host`,
        params: related('sessionHost.port', 'sessionHost.maxSessions'),
      });
    }
  });

export type WebstreamConfig = z.output<typeof webstreamConfigSchema>;
export type WebstreamConfigInput = z.input<typeof webstreamConfigSchema>;
