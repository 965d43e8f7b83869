import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { serviceEndpoints } from '@webstream/contracts';
import { BackendAuthModule, ServiceKitModule } from '@webstream/service-kit';
import { HostModule } from './host/host.module';
import { type SessionHostOptions } from './host/session-host-options';
import { RegistrationModule } from './registration/registration.module';
import { SessionsModule } from './sessions/sessions.module';
import { StatusModule } from './status/status.module';

/**
 * The session host: registration and heartbeat with the gateway, the session pool with one streamer process
 * per session (/getConnection), and /health for the gateway's probes. `options` are for tests (shorter
 * retries, a stand-in streamer); production runs with the defaults.
 */
@Module({})
export class SessionHostModule {
  static forRoot(config: WebstreamConfig, options: SessionHostOptions = {}): DynamicModule {
    return {
      module: SessionHostModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'session-host',
          config,
          openApi: {
            title: 'WebStream session host',
            description:
              'A session host runs sessions: one sandboxed application and its streamer each. Only the gateway ' +
              'calls it (X-Backend-Token); the gateway probes /health.',
            endpoints: serviceEndpoints['session-host'],
            tags: {
              sessions: 'Starting and ending sessions, for the gateway',
              operations: 'Probes, metrics and this document',
            },
            servers: [{ url: '/', description: 'A session host (sessionHost.port, 9005 by default)' }],
          },
        }),
        BackendAuthModule.forRoot(
          config,
          'the session host presents it to the gateway and its streamers, and only the gateway presenting it may start a session',
        ),
        HostModule.forRoot(config, options),
        SessionsModule,
        StatusModule,
        RegistrationModule,
      ],
    };
  }
}
