import { type DynamicModule, Global, Inject, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';

export const WEBSTREAM_CONFIG = Symbol('WEBSTREAM_CONFIG');

/** Injects the configuration that was read and validated once at start-up. */
export const InjectConfig = (): ParameterDecorator => Inject(WEBSTREAM_CONFIG);

@Global()
@Module({})
export class WebstreamConfigModule {
  static forRoot(config: WebstreamConfig): DynamicModule {
    return {
      module: WebstreamConfigModule,
      providers: [{ provide: WEBSTREAM_CONFIG, useValue: config }],
      exports: [WEBSTREAM_CONFIG],
    };
  }
}
