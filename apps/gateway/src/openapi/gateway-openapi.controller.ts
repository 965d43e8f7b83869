import { Controller, Get, Header } from '@nestjs/common';
import { GatewayOpenApi } from './gateway-openapi';
import { OPENAPI_JSON_PATH, OPENAPI_YAML_PATH } from './gateway-operations';

/** Seed 002's aggregated specification, open like the probes; served from the cache as prepared text. */
@Controller()
export class GatewayOpenApiController {
  constructor(private readonly openApi: GatewayOpenApi) {}

  @Get(OPENAPI_JSON_PATH)
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  json(): Promise<string> {
    return this.openApi.json();
  }

  @Get(OPENAPI_YAML_PATH)
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  yaml(): Promise<string> {
    return this.openApi.yaml();
  }
}
