import { type DynamicModule, Global, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { requiredSetting } from '@webstream/service-kit';
import { BACKEND_TOKEN, BackendTokenGuard } from './backend-token.guard';

@Global()
@Module({})
export class BackendAuthModule {
  static forRoot(config: WebstreamConfig): DynamicModule {
    const token = requiredSetting(
      config.gateway.backend.token,
      'gateway.backend.token',
      'session hosts and streamers authenticate with it when they register and check in',
    );
    return {
      module: BackendAuthModule,
      providers: [{ provide: BACKEND_TOKEN, useValue: token }, BackendTokenGuard],
      exports: [BackendTokenGuard, BACKEND_TOKEN],
    };
  }
}
