import { type DynamicModule, Global, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { requiredSetting } from '../config/required-setting';
import {
  BACKEND_TOKEN,
  BackendToken,
  BackendTokenGuard,
  SERVICE_TOKEN,
  ServiceToken,
  ServiceTokenGuard,
} from './peer-token.guard';

/** gateway.backend.token for a service's internal endpoints; the service cannot start without it. */
@Global()
@Module({})
export class BackendAuthModule {
  static forRoot(config: WebstreamConfig, why: string): DynamicModule {
    const token = requiredSetting(config.gateway.backend.token, 'gateway.backend.token', why);
    return {
      module: BackendAuthModule,
      providers: [{ provide: BACKEND_TOKEN, useValue: token }, BackendToken, BackendTokenGuard],
      exports: [BackendToken, BackendTokenGuard, BACKEND_TOKEN],
    };
  }
}

/** metricsEngine.serviceToken for the metrics engine's /api/*; the engine cannot start without it. */
@Global()
@Module({})
export class ServiceAuthModule {
  static forRoot(config: WebstreamConfig, why: string): DynamicModule {
    const token = requiredSetting(config.metricsEngine.serviceToken, 'metricsEngine.serviceToken', why);
    return {
      module: ServiceAuthModule,
      providers: [{ provide: SERVICE_TOKEN, useValue: token }, ServiceToken, ServiceTokenGuard],
      exports: [ServiceToken, ServiceTokenGuard],
    };
  }
}
