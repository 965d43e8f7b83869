import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { serviceEndpoints, type StreamerLaunch } from '@webstream/contracts';
import { BackendAuthModule, ServiceKitModule } from '@webstream/service-kit';
import { HostRequestsController } from './host-requests/host-requests.controller';
import { CHECKIN_INTERVAL_MS, DEFAULT_CHECKIN_INTERVAL_MS, LicenceSeat } from './licence/licence-seat';
import { PolicyClock } from './policy/policy-clock';
import { Refusals } from './policy/refusals';
import { HostWatch } from './session/host-watch';
import { PROCESS_EXIT, type ProcessExit, SessionEnd } from './session/session-end';
import { SessionMedia } from './session/session-media';
import { STREAMER_LAUNCH } from './session/streamer-launch';
import { StreamerSecret, StreamerSecretGuard } from './session/streamer-secret';
import { StreamerStartTrace } from './session/streamer-start-trace';
import { AudioChannel } from './streaming/audio-channel';
import { CaptureChannel } from './streaming/capture-channel';
import { ClientHub } from './streaming/client-hub';
import { ControlChannel } from './streaming/control-channel';
import { SocketServer } from './streaming/socket-server';
import { StreamerTelemetry } from './telemetry/streamer-telemetry';

export interface StreamerAgentOptions {
  /** How the process ends once its session is over. */
  exit: ProcessExit;
  /** Tests check in faster than the contract's 15 s. */
  checkinIntervalMs?: number;
}

/** One streamer per session: its display and capture, the three sockets, the policy and the licence seat. */
@Module({})
export class StreamerAgentModule {
  static forRoot(
    config: WebstreamConfig,
    launch: StreamerLaunch,
    options: StreamerAgentOptions,
  ): DynamicModule {
    return {
      module: StreamerAgentModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'streamer-agent',
          config,
          openApi: {
            title: 'WebStream streamer',
            description:
              "A session's streamer, on loopback: its session host asks it to drain or end (X-Streamer-Secret). " +
              'The /capture, /control and /audio WebSockets, reached through the gateway with a ticket, are ' +
              'described by their message contracts (packages/contracts: capture, control, audio).',
            endpoints: serviceEndpoints['streamer-agent'],
            tags: {
              session: 'What the session host may ask of its streamer',
              operations: 'Probes, metrics and this document',
            },
            servers: [{ url: '/', description: 'A streamer (streamer.basePort and up, on loopback)' }],
          },
        }),
        BackendAuthModule.forRoot(config, 'the streamer checks in its licence seat with the gateway'),
      ],
      controllers: [HostRequestsController],
      providers: [
        { provide: STREAMER_LAUNCH, useValue: launch },
        { provide: PROCESS_EXIT, useValue: options.exit },
        {
          provide: CHECKIN_INTERVAL_MS,
          useValue: options.checkinIntervalMs ?? DEFAULT_CHECKIN_INTERVAL_MS,
        },
        StreamerSecret,
        StreamerSecretGuard,
        SessionEnd,
        HostWatch,
        StreamerTelemetry,
        LicenceSeat,
        SessionMedia,
        ClientHub,
        PolicyClock,
        Refusals,
        CaptureChannel,
        ControlChannel,
        AudioChannel,
        SocketServer,
        StreamerStartTrace,
      ],
    };
  }
}
