import { Controller } from '@nestjs/common';
import { type EndpointOutput, iamOpenApiRoute } from '@webstream/contracts';
import { Endpoint } from '@webstream/service-kit';
import { iamOpenApiDocument } from './iam-openapi';

/** IAM's API alone, for the gateway's aggregated document and for tools pointed at IAM. */
@Controller()
export class OpenApiController {
  private document?: EndpointOutput<typeof iamOpenApiRoute>;

  @Endpoint(iamOpenApiRoute)
  get(): EndpointOutput<typeof iamOpenApiRoute> {
    this.document ??= iamOpenApiDocument() as unknown as EndpointOutput<typeof iamOpenApiRoute>;
    return this.document;
  }
}
