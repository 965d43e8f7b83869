import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { StatusModule } from '../status/status.module';
import { RegistrationService } from './registration.service';

/** Register, heartbeat and unregister with the gateway. Needs HostModule (global). */
@Module({
  imports: [SessionsModule, StatusModule],
  providers: [RegistrationService],
  exports: [RegistrationService],
})
export class RegistrationModule {}
