import { errorEnvelopeSchema, type RouteDefinition } from '@webstream/contracts';
import { openApiPath } from '@webstream/iam';
import { type z } from 'zod';
import {
  createDocument,
  type oas31,
  type ZodOpenApiContentObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';

export type OpenApiDocument = oas31.OpenAPIObject;

/** One operation a service serves, described from its zod contract. */
export interface ApiOperation {
  route: RouteDefinition;
  summary: string;
  description?: string;
  tag: string;
  /** Names of security schemes, any one of which is enough; empty for an open route. */
  security: readonly string[];
  query?: z.ZodObject;
  path?: z.ZodObject;
  header?: z.ZodObject;
  body?: z.ZodType;
  /** The success status and what it answers: a zod schema as JSON, or content given as is. */
  status: number;
  response?: z.ZodType;
  content?: ZodOpenApiContentObject;
  /** Error statuses beside the usual ones (400 with a body or parameters, 401 and 403 with security). */
  errors?: Readonly<Record<number, string>>;
  /** Response headers on errors, e.g. Retry-After on 503. */
  retryAfterOn?: readonly number[];
}

const retryAfterHeader = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' as const } },
};

function errorResponse(description: string, retryAfter: boolean) {
  return {
    description,
    content: { 'application/json': { schema: errorEnvelopeSchema } },
    ...(retryAfter ? { headers: retryAfterHeader } : {}),
  };
}

function responsesOf(operation: ApiOperation): ZodOpenApiResponsesObject {
  const errors: Record<string, string> = {};
  if (operation.body || operation.query || operation.path || operation.header) {
    errors['400'] = 'The request is invalid: error.fields names each field at fault';
  }
  if (operation.security.length > 0) {
    errors['401'] = 'No valid credential';
    errors['403'] = 'The credential does not allow this';
  }
  for (const [status, description] of Object.entries(operation.errors ?? {})) errors[status] = description;
  const content =
    operation.content ??
    (operation.response ? { 'application/json': { schema: operation.response } } : undefined);
  const responses: ZodOpenApiResponsesObject = {
    [String(operation.status)]: content ? { description: 'OK', content } : { description: 'Done' },
  };
  for (const [status, description] of Object.entries(errors)) {
    responses[status as `4${string}`] = errorResponse(
      description,
      operation.retryAfterOn?.includes(Number(status)) ?? false,
    );
  }
  return responses;
}

export function operationObject(operation: ApiOperation): ZodOpenApiOperationObject {
  const params = {
    ...(operation.query ? { query: operation.query } : {}),
    ...(operation.path ? { path: operation.path } : {}),
    ...(operation.header ? { header: operation.header } : {}),
  };
  return {
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: [operation.tag],
    security: operation.security.map((scheme) => ({ [scheme]: [] })),
    ...(Object.keys(params).length > 0 ? { requestParams: params } : {}),
    ...(operation.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: operation.body } } } }
      : {}),
    responses: responsesOf(operation),
  };
}

/** `prefix` goes before each route's path: /mcp for the metrics engine's /api routes reached through the proxy. */
export function pathsOf(operations: readonly ApiOperation[], prefix = ''): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const operation of operations) {
    const path = `${prefix}${openApiPath(operation.route.path)}`;
    paths[path] = { ...paths[path], [operation.route.method.toLowerCase()]: operationObject(operation) };
  }
  return paths;
}

export interface ServiceDocumentOptions {
  title: string;
  version: string;
  description: string;
  operations: readonly ApiOperation[];
  securitySchemes: Record<string, oas31.SecuritySchemeObject>;
  prefix?: string;
}

/** An OpenAPI 3.1 document of one service's operations. */
export function serviceDocument(options: ServiceDocumentOptions): OpenApiDocument {
  return createDocument({
    openapi: '3.1.0',
    info: { title: options.title, version: options.version, description: options.description },
    // Registered once, so every error response refers to it instead of repeating it.
    components: { securitySchemes: options.securitySchemes, schemas: { ErrorEnvelope: errorEnvelopeSchema } },
    paths: pathsOf(options.operations, options.prefix),
  }) as OpenApiDocument;
}
