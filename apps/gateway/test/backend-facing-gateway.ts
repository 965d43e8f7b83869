import { type DynamicModule, type Type } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { BackendAuthModule, ServiceKitModule } from '@webstream/service-kit';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { GatewayStateModule } from '../src/state/gateway-state.module';
import { TelemetryModule } from '../src/telemetry/telemetry.module';

/**
 * A gateway of only what the backends (session hosts, streamers) need of it: the service kit, its state, the
 * backend token and telemetry, with `feature` (the backend registry, the licence…) and no IAM.
 */
export function startBackendFacingGateway(
  config: WebstreamConfig,
  feature: Type | DynamicModule,
): Promise<TestService> {
  return startTestService({
    module: class BackendFacingTestHost {},
    imports: [
      ServiceKitModule.forRoot({ service: 'gateway', config }),
      GatewayStateModule.forRoot(config),
      BackendAuthModule.forRoot(config, 'the test backends register with it'),
      TelemetryModule,
      feature,
    ],
  });
}
