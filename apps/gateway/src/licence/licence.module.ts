import { type DynamicModule, Module } from '@nestjs/common';
import { GATEWAY_REDIS, type GatewayRedis } from '../state/gateway-state.module';
import { LicenceController } from './licence.controller';
import { LICENCE_OPTIONS, type LicenceOptions } from './licence-options';
import { LicenceRegistry } from './licence-registry';
import { MemorySeatStore } from './memory-seat-store';
import { RedisSeatStore } from './redis-seat-store';
import { DEFAULT_SEAT_TTL_MS, SEAT_STORE, type SeatStore } from './seat-store';

/**
 * The licence registry and the streamers' check-in endpoints. Needs from the application: the configuration
 * (ServiceKitModule), GATEWAY_REDIS (GatewayStateModule), BackendTokenGuard (BackendAuthModule), the metrics
 * registry and the logger. Seats live in Redis when the gateway has a connection, in memory otherwise.
 */
@Module({
  controllers: [LicenceController],
  providers: [
    {
      provide: SEAT_STORE,
      inject: [GATEWAY_REDIS, { token: LICENCE_OPTIONS, optional: true }],
      useFactory: (redis: GatewayRedis, options?: LicenceOptions): SeatStore => {
        const ttlMs = options?.seatTtlMs ?? DEFAULT_SEAT_TTL_MS;
        return redis === null ? new MemorySeatStore(ttlMs, options?.now) : new RedisSeatStore(redis, ttlMs);
      },
    },
    LicenceRegistry,
  ],
  exports: [LicenceRegistry],
})
export class LicenceModule {
  /** The same module with its timing changed: a short seat ttl or a clock of the test's own. */
  static withOptions(options: LicenceOptions): DynamicModule {
    return {
      module: LicenceModule,
      providers: [{ provide: LICENCE_OPTIONS, useValue: options }],
    };
  }
}
