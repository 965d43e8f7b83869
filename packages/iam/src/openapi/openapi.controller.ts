import { Controller, Get } from '@nestjs/common';
import { iamOpenApiRoute } from '@webstream/contracts';
import { buildIamOpenApiDocument } from './iam-openapi';

const API_VERSION = '1.0.0';

@Controller()
export class OpenApiController {
  private document?: ReturnType<typeof buildIamOpenApiDocument>;

  @Get(iamOpenApiRoute.path)
  get(): ReturnType<typeof buildIamOpenApiDocument> {
    this.document ??= buildIamOpenApiDocument(API_VERSION);
    return this.document;
  }
}
