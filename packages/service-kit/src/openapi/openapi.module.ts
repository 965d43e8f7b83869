import { Controller, type DynamicModule, Header, Module } from '@nestjs/common';
import { openApiRoutes } from '@webstream/contracts';
import { Endpoint } from '../endpoint/endpoint.decorator';
import { type OpenApiDocument, openApiYaml } from './openapi-document';

/** A service's document, built once at start-up and served as prepared text. */
class ServedDocument {
  readonly json: string;
  private yamlText?: string;

  constructor(readonly document: OpenApiDocument) {
    this.json = JSON.stringify(document);
  }

  get yaml(): string {
    this.yamlText ??= openApiYaml(this.document);
    return this.yamlText;
  }
}

@Controller()
class OpenApiController {
  constructor(private readonly served: ServedDocument) {}

  @Endpoint(openApiRoutes.json)
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  json(): string {
    return this.served.json;
  }

  @Endpoint(openApiRoutes.yaml)
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  yaml(): string {
    return this.served.yaml;
  }
}

/** Serves a service's own OpenAPI document at /openapi.json and /openapi.yaml. */
@Module({})
export class OpenApiModule {
  static serve(document: () => OpenApiDocument): DynamicModule {
    return {
      module: OpenApiModule,
      controllers: [OpenApiController],
      providers: [{ provide: ServedDocument, useFactory: () => new ServedDocument(document()) }],
    };
  }
}
