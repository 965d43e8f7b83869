import { Module } from '@nestjs/common';
import { GATEWAY_REDIS, type GatewayRedis } from '../state/gateway-state.module';
import { HostSessions } from './host-sessions';
import { MemorySessionStore } from './memory-session-store';
import { RedisSessionStore } from './redis-session-store';
import { RevokedUserSessions } from './revoked-user-sessions';
import { SessionBroker } from './session-broker';
import { SessionStore } from './session-record';
import { SessionEndedController } from './session-ended.controller';
import { SessionsController } from './sessions.controller';

/**
 * Needs BackendDirectory (BackendsModule), IamClient, AccessTokenGuard and TokenSubjects (IamClientModule), all
 * global.
 */
@Module({
  controllers: [SessionsController, SessionEndedController],
  providers: [
    {
      provide: SessionStore,
      inject: [GATEWAY_REDIS],
      useFactory: (redis: GatewayRedis): SessionStore =>
        redis === null ? new MemorySessionStore() : new RedisSessionStore(redis),
    },
    SessionBroker,
    HostSessions,
    RevokedUserSessions,
  ],
  exports: [SessionBroker, SessionStore],
})
export class SessionsModule {}
