import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { BackendHealthController } from './backend-health.controller';
import { HostStatus } from './host-status';

/** GET /health and the status the heartbeats carry. */
@Module({
  imports: [SessionsModule],
  controllers: [BackendHealthController],
  providers: [HostStatus],
  exports: [HostStatus],
})
export class StatusModule {}
