import { type DynamicModule, Global, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { requiredSetting } from '@webstream/service-kit';
import { HostFacts } from './host-facts';
import { HostLoad } from './host-load';
import { GatewayClient, StreamerClient } from './peer-clients';
import { METRICS_SERVICE_TOKEN, SESSION_HOST_OPTIONS, type SessionHostOptions } from './session-host-options';

/**
 * What the machine is (facts, load), the metrics engine's credential, the host's options and its clients of the
 * gateway and its streamers, for every feature.
 */
@Global()
@Module({})
export class HostModule {
  static forRoot(config: WebstreamConfig, options: SessionHostOptions): DynamicModule {
    const serviceToken = requiredSetting(
      config.metricsEngine.serviceToken,
      'metricsEngine.serviceToken',
      'the session host reports session start and end (usage) to the metrics engine with it',
    );
    return {
      module: HostModule,
      providers: [
        { provide: SESSION_HOST_OPTIONS, useValue: options },
        { provide: METRICS_SERVICE_TOKEN, useValue: serviceToken },
        HostFacts,
        HostLoad,
        GatewayClient,
        StreamerClient,
      ],
      exports: [
        SESSION_HOST_OPTIONS,
        METRICS_SERVICE_TOKEN,
        HostFacts,
        HostLoad,
        GatewayClient,
        StreamerClient,
      ],
    };
  }
}
