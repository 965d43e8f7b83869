import {
  type EndpointDefinition,
  errorEnvelopeSchema,
  openApiPath,
  type SecuritySchemeName,
} from '@webstream/contracts';
import { stringify } from 'yaml';
import {
  createDocument,
  type oas31,
  type ZodOpenApiContentObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';

export type OpenApiDocument = oas31.OpenAPIObject;

/** The credentials an endpoint may name, as OpenAPI security schemes. */
export const SECURITY_SCHEMES: Readonly<Record<SecuritySchemeName, oas31.SecuritySchemeObject>> = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: "An access token from IAM's login",
  },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An IAM API key' },
  backendToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Backend-Token',
    description: 'gateway.backend.token: the platform services only',
  },
  streamerSecret: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Streamer-Secret',
    description: 'The secret the session host gave this streamer at launch',
  },
  engineToken: {
    type: 'http',
    scheme: 'bearer',
    description: "metricsEngine.serviceTokens: the metrics engine's service credential",
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description: "metrics.bearerToken: Prometheus' credential",
  },
  mcpKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-MCP-Key',
    description:
      'A key from mcpApiKeys, or (built-in IAM) an IAM API key with the mcp scope. The gateway adds the ' +
      'metrics engine credential itself.',
  },
};

const retryAfterHeader = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' as const } },
};

/** Error statuses an endpoint answers beside its own: invalid input, no or the wrong credential. */
function errorsOf(endpoint: EndpointDefinition): Record<string, string> {
  const errors: Record<string, string> = {};
  if (endpoint.body || endpoint.query || endpoint.params || endpoint.headers) {
    errors['400'] = 'The request is invalid: error.fields names each field at fault';
  }
  if (endpoint.security.length > 0) {
    errors['401'] = 'No valid credential';
    errors['403'] = 'The credential does not allow this';
  }
  for (const [status, description] of Object.entries(endpoint.errors ?? {})) errors[status] = description;
  return errors;
}

function responsesOf(endpoint: EndpointDefinition): ZodOpenApiResponsesObject {
  const content: ZodOpenApiContentObject = {};
  if (endpoint.response) content['application/json'] = { schema: endpoint.response };
  for (const [mediaType, schema] of Object.entries(endpoint.content ?? {})) content[mediaType] = { schema };
  const responses: ZodOpenApiResponsesObject = {
    [String(endpoint.status)]:
      Object.keys(content).length > 0
        ? { description: 'OK', content }
        : endpoint.status >= 300 && endpoint.status < 400
          ? { description: 'Redirect', headers: { Location: { schema: { type: 'string' as const } } } }
          : { description: 'Done' },
  };
  for (const [status, description] of Object.entries(errorsOf(endpoint))) {
    responses[status as `4${string}`] = {
      description,
      content: { 'application/json': { schema: errorEnvelopeSchema } },
      ...(endpoint.retryAfterOn?.includes(Number(status)) ? { headers: retryAfterHeader } : {}),
    };
  }
  return responses;
}

function operationOf(
  endpoint: EndpointDefinition,
  security: readonly SecuritySchemeName[],
): ZodOpenApiOperationObject {
  const params = {
    ...(endpoint.query ? { query: endpoint.query } : {}),
    ...(endpoint.params ? { path: endpoint.params } : {}),
    ...(endpoint.headers ? { header: endpoint.headers } : {}),
  };
  return {
    operationId: endpoint.operationId,
    summary: endpoint.summary,
    ...(endpoint.description ? { description: endpoint.description } : {}),
    tags: [endpoint.tag],
    security: security.map((scheme) => ({ [scheme]: [] })),
    ...(Object.keys(params).length > 0 ? { requestParams: params } : {}),
    ...(endpoint.body
      ? {
          requestBody: {
            required: true,
            content: {
              [endpoint.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json']: {
                schema: endpoint.body,
              },
            },
          },
        }
      : {}),
    responses: responsesOf(endpoint),
  };
}

export interface OpenApiDocumentOptions {
  title: string;
  version: string;
  description: string;
  endpoints: readonly EndpointDefinition[];
  /** Descriptions of the tags the endpoints use; each tag used must have one. */
  tags: Readonly<Record<string, string>>;
  /** Where the service is reached, for tools that try the API. */
  servers: readonly oas31.ServerObject[];
  /** Goes before every path: /mcp for the metrics engine's routes reached through the gateway's proxy. */
  pathPrefix?: string;
  /** Replaces every secured endpoint's schemes (a proxy in front asks for its own credential). */
  security?: readonly SecuritySchemeName[];
  /** Error statuses every endpoint may also answer (a proxy's 502 and 503). */
  errors?: Readonly<Record<number, string>>;
  retryAfterOn?: readonly number[];
}

/** A service's OpenAPI 3.1 document, derived from its endpoint definitions. */
export function openApiDocument(options: OpenApiDocumentOptions): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  const used = new Set<SecuritySchemeName>();
  for (const defined of options.endpoints) {
    const endpoint: EndpointDefinition = {
      ...defined,
      errors: { ...defined.errors, ...options.errors },
      retryAfterOn: [...(defined.retryAfterOn ?? []), ...(options.retryAfterOn ?? [])],
    };
    const security = endpoint.security.length > 0 && options.security ? options.security : endpoint.security;
    for (const scheme of security) used.add(scheme);
    if (!(endpoint.tag in options.tags)) {
      throw new Error(`${endpoint.operationId}: the tag ${endpoint.tag} has no description`);
    }
    const path = `${options.pathPrefix ?? ''}${openApiPath(endpoint.path)}`;
    paths[path] = { ...paths[path], [endpoint.method.toLowerCase()]: operationOf(endpoint, security) };
  }
  const tagsUsed = new Set(options.endpoints.map((endpoint) => endpoint.tag));
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      description: options.description,
    },
    servers: [...options.servers],
    tags: Object.entries(options.tags)
      .filter(([name]) => tagsUsed.has(name))
      .map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: Object.fromEntries([...used].sort().map((name) => [name, SECURITY_SCHEMES[name]])),
      // Registered once, so every error response refers to it instead of repeating it.
      schemas: { ErrorEnvelope: errorEnvelopeSchema },
    },
    paths,
  }) as OpenApiDocument;
}

/** As YAML, without aliases: repeated objects are written out, as OpenAPI tools expect. */
export function openApiYaml(document: OpenApiDocument): string {
  return stringify(document, { aliasDuplicateObjects: false });
}
