import { Module } from '@nestjs/common';
import { SESSION_HOST_OPTIONS, type SessionHostOptions } from '../host/session-host-options';
import { SessionSandboxes } from '../sandbox/session-sandboxes';
import { SessionMessenger } from './session-messenger';
import { SessionSupervisor } from './session-supervisor';
import { SessionsController } from './sessions.controller';
import { StreamerLauncher } from './streamer-launcher';
import { StreamerSpools } from './streamer-spools';
import { UsageReporter } from './usage-reporter';

/** The session pool, /getConnection and the streamer supervisor. Needs HostModule (global). */
@Module({
  controllers: [SessionsController],
  providers: [
    {
      provide: StreamerLauncher,
      inject: [SESSION_HOST_OPTIONS],
      useFactory: (options: SessionHostOptions): StreamerLauncher =>
        options.streamerLauncher ?? StreamerLauncher.streamerAgent(),
    },
    UsageReporter,
    StreamerSpools,
    SessionSandboxes,
    SessionMessenger,
    SessionSupervisor,
  ],
  exports: [SessionSupervisor, SessionSandboxes],
})
export class SessionsModule {}
