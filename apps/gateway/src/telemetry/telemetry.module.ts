import { Global, Module } from '@nestjs/common';
import { GatewayTelemetry } from './gateway-telemetry';

/** GatewayTelemetry for the backend registry, the licence registry and the session broker. */
@Global()
@Module({ providers: [GatewayTelemetry], exports: [GatewayTelemetry] })
export class TelemetryModule {}
