import { Module } from '@nestjs/common';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { GATEWAY_REDIS, type GatewayRedis } from '../state/gateway-state.module';
import { ConnectionRoute } from './connection-route';
import { DataPlane } from './data-plane';
import { SocketRelay } from './socket-relay';
import { WebSocketDiagnostics } from './ws-diagnostics';
import { MemoryTicketStore, RedisTicketStore, TicketStore } from './ws-tickets';

@Module({
  imports: [SessionsModule, RateLimitModule],
  providers: [
    DataPlane,
    ConnectionRoute,
    SocketRelay,
    WebSocketDiagnostics,
    {
      provide: TicketStore,
      inject: [GATEWAY_REDIS],
      useFactory: (redis: GatewayRedis): TicketStore =>
        redis === null ? new MemoryTicketStore() : new RedisTicketStore(redis),
    },
  ],
  exports: [DataPlane, WebSocketDiagnostics],
})
export class DataPlaneModule {}
