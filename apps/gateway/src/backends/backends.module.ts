import { Global, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { WEBSTREAM_CONFIG } from '@webstream/service-kit';
import { GATEWAY_REDIS, type GatewayRedis } from '../state/gateway-state.module';
import { BackendDirectory } from './backend-directory';
import { BackendRegistry } from './backend-registry';
import { BackendStore } from './backend-store';
import { BackendsController } from './backends.controller';
import { HealthMonitor } from './health-monitor';
import { MemoryBackendStore } from './memory-backend-store';
import { RedisBackendStore } from './redis-backend-store';

/**
 * The backend registry (register, heartbeat, unregister), its health monitor, and BackendDirectory for the
 * session broker. Needs ServiceKitModule, GatewayStateModule and BackendAuthModule (all global).
 */
@Global()
@Module({
  controllers: [BackendsController],
  providers: [
    {
      provide: BackendStore,
      inject: [GATEWAY_REDIS, WEBSTREAM_CONFIG],
      useFactory: (redis: GatewayRedis, config: WebstreamConfig): BackendStore => {
        const silenceMs = config.gateway.backend.heartbeatTimeout * 1000;
        return redis === null ? new MemoryBackendStore(silenceMs) : new RedisBackendStore(redis, silenceMs);
      },
    },
    HealthMonitor,
    BackendRegistry,
    { provide: BackendDirectory, useExisting: BackendRegistry },
  ],
  exports: [BackendDirectory, HealthMonitor],
})
export class BackendsModule {}
