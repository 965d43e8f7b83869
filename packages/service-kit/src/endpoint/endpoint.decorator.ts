import {
  type ArgumentMetadata,
  applyDecorators,
  HttpCode,
  type PipeTransform,
  RequestMapping,
  RequestMethod,
  SetMetadata,
  UsePipes,
} from '@nestjs/common';
import { type EndpointDefinition, type HttpMethod } from '@webstream/contracts';
import { ZodValidationPipe } from '../errors/zod-validation.pipe';

/** Where a handler's endpoint definition is kept, for the route checks. */
export const ENDPOINT_METADATA = 'webstream:endpoint';

const REQUEST_METHODS = {
  GET: RequestMethod.GET,
  POST: RequestMethod.POST,
  PUT: RequestMethod.PUT,
  PATCH: RequestMethod.PATCH,
  DELETE: RequestMethod.DELETE,
} as const satisfies Record<HttpMethod, RequestMethod>;

/**
 * Parses a handler's whole @Body(), @Query() and @Param() with its endpoint's schemas: 400 names each field
 * at fault, and the handler receives the parsed values. Single fields (@Query('x')) are left as they are.
 */
class EndpointValidationPipe implements PipeTransform {
  private readonly pipes: Partial<Record<ArgumentMetadata['type'], ZodValidationPipe<never>>>;

  constructor(endpoint: EndpointDefinition) {
    const pipe = (schema: EndpointDefinition['body']) =>
      schema ? (new ZodValidationPipe(schema) as ZodValidationPipe<never>) : undefined;
    this.pipes = { body: pipe(endpoint.body), query: pipe(endpoint.query), param: pipe(endpoint.params) };
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.data !== undefined) return value;
    const pipe = this.pipes[metadata.type];
    return pipe ? pipe.transform(value, metadata) : value;
  }
}

/**
 * Serves an endpoint from its definition: the route, the success status and the validation of what the
 * handler reads, so that what a service serves is what its document says.
 */
export function Endpoint(endpoint: EndpointDefinition): MethodDecorator {
  return applyDecorators(
    RequestMapping({ path: endpoint.path, method: REQUEST_METHODS[endpoint.method] }),
    HttpCode(endpoint.status),
    UsePipes(new EndpointValidationPipe(endpoint)),
    SetMetadata(ENDPOINT_METADATA, endpoint),
  );
}
