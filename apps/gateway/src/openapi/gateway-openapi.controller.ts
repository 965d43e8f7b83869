import { Controller, Header } from '@nestjs/common';
import { openApiRoutes } from '@webstream/contracts';
import { Endpoint } from '@webstream/service-kit';
import { GatewayOpenApi } from './gateway-openapi';

/** Seed 002's aggregated specification, open like the probes; served from the cache as prepared text. */
@Controller()
export class GatewayOpenApiController {
  constructor(private readonly openApi: GatewayOpenApi) {}

  @Endpoint(openApiRoutes.json)
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  json(): Promise<string> {
    return this.openApi.json();
  }

  @Endpoint(openApiRoutes.yaml)
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  yaml(): Promise<string> {
    return this.openApi.yaml();
  }
}
