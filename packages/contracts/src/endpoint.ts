import { z } from 'zod';
import { type HttpMethod } from './common';
import { type ErrorField, zodIssuesToFields } from './errors';

/** The version of the HTTP API every service's document gives. */
export const API_VERSION = '1.0.0';

/**
 * The credentials an endpoint accepts, any one of them being enough. The names are the OpenAPI documents'
 * security schemes (service-kit's SECURITY_SCHEMES says what each is).
 */
export type SecuritySchemeName =
  'bearer' | 'apiKey' | 'backendToken' | 'streamerSecret' | 'engineToken' | 'metricsToken' | 'mcpKey';

/** An answer that is not JSON (plain text, CSV, YAML), by media type, described by a zod string schema. */
export type EndpointContent = Readonly<Record<string, z.ZodType>>;

/**
 * One HTTP route, the single source of truth for it: the server's route and validation, the OpenAPI
 * operation, the typed client, the stand-ins and the contract tests all derive from this.
 * `path` is in Express form (`/iam/users/:id`); the documents show it as `/iam/users/{id}`.
 */
export interface EndpointDefinition {
  /** Unique in every document the endpoint appears in: what a generated client names the call. */
  readonly operationId: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  /** Empty for an open route. */
  readonly security: readonly SecuritySchemeName[];
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  /** Header names in lower case, as Node delivers them. */
  readonly headers?: z.ZodObject;
  readonly body?: z.ZodType;
  /** How the body is encoded: JSON unless said (an HTML form posts application/x-www-form-urlencoded). */
  readonly bodyType?: 'json' | 'form';
  /** The success status. */
  readonly status: number;
  /** The JSON answer on success; none for 204 and for answers given as `content`. */
  readonly response?: z.ZodType;
  /** Non-JSON answers on success, by media type (they are not parsed by the typed client). */
  readonly content?: EndpointContent;
  /** Error statuses beside those every endpoint may answer (400 with input, 401 and 403 with security). */
  readonly errors?: Readonly<Record<number, string>>;
  /** Error statuses that carry Retry-After. */
  readonly retryAfterOn?: readonly number[];
}

/** Declares an endpoint; `const` keeps its literal method, path and schemas for typing. */
export function defineEndpoint<const Endpoint extends EndpointDefinition>(endpoint: Endpoint): Endpoint {
  return endpoint;
}

type OutputOf<Schema> = Schema extends z.ZodType ? z.output<Schema> : undefined;
type InputOf<Schema> = Schema extends z.ZodType ? z.input<Schema> : undefined;

/** What a client passes to call an endpoint: only the parts it declares. */
export type EndpointInput<Endpoint extends EndpointDefinition> = {
  [
    Part in 'params' | 'query' | 'headers' | 'body' as Endpoint[Part] extends z.ZodType ? Part : never
  ]: InputOf<Endpoint[Part]>;
};

/** What the endpoint answers on success, parsed. */
export type EndpointOutput<Endpoint extends EndpointDefinition> = OutputOf<Endpoint['response']>;
/** The parsed request body a handler receives. */
export type EndpointBody<Endpoint extends EndpointDefinition> = OutputOf<Endpoint['body']>;
export type EndpointQuery<Endpoint extends EndpointDefinition> = OutputOf<Endpoint['query']>;
export type EndpointParams<Endpoint extends EndpointDefinition> = OutputOf<Endpoint['params']>;

/** `/iam/users/:id` → `/iam/users/{id}` */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

/**
 * A request's path matched against an endpoint's (`/iam/users/:id`): each parameter's value as it stands in
 * the path (still percent-encoded), or undefined when the path is not the endpoint's.
 */
export function matchEndpointPath(endpointPath: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = endpointPath
    .split(/(:[A-Za-z]+)/)
    .map((part) => {
      if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(part.slice(1));
      return '([^/]+)';
    })
    .join('');
  const found = new RegExp(`^${pattern}$`).exec(path);
  if (!found) return undefined;
  return Object.fromEntries(names.map((name, index) => [name, found[index + 1]!]));
}

/** The path of one call: each `:name` replaced by its percent-encoded value. */
export function endpointPath(endpoint: EndpointDefinition, params: Record<string, unknown> = {}): string {
  return endpoint.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`${endpoint.operationId}: no value for path parameter ${name}`);
    }
    return encodeURIComponent(value);
  });
}

/** The request of one call, its parts checked against the definition before anything is sent. */
export interface EndpointRequest {
  method: HttpMethod;
  /** The path with its parameters in place, without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
}

/** A request or an answer that breaks its endpoint's contract, naming each field at fault. */
export class ContractViolation extends Error {
  /** As a server's 400 names them: body fields by their path, the others prefixed (query.page, params.id). */
  readonly fields: readonly ErrorField[];

  constructor(
    readonly operationId: string,
    readonly part: 'params' | 'query' | 'headers' | 'body' | 'response',
    error: z.ZodError,
  ) {
    const fields = zodIssuesToFields(error).map((field) =>
      part === 'body' ? field : { ...field, path: field.path === '' ? part : `${part}.${field.path}` },
    );
    super(
      `${operationId}: the ${part} breaks the contract: ${fields
        .map((field) => `${field.path || '(root)'}: ${field.message}`)
        .join('; ')}`,
    );
    this.name = 'ContractViolation';
    this.fields = fields;
  }
}

function checked(endpoint: EndpointDefinition, part: ContractViolation['part'], value: unknown): unknown {
  const schema = part === 'response' ? endpoint.response : endpoint[part];
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (!result.success) throw new ContractViolation(endpoint.operationId, part, result.error);
  return result.data;
}

function asStrings(record: unknown): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries((record ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      strings[key] = String(value);
    }
  }
  return strings;
}

/**
 * Builds the request of a call. The input is checked against the definition first, so a caller that breaks
 * the contract learns it here, not from the peer; what is sent is what the caller gave (the peer parses it).
 */
export function endpointRequest<Endpoint extends EndpointDefinition>(
  endpoint: Endpoint,
  input: EndpointInput<Endpoint>,
): EndpointRequest {
  const parts = input as { params?: unknown; query?: unknown; headers?: unknown; body?: unknown };
  for (const part of ['params', 'query', 'headers', 'body'] as const) checked(endpoint, part, parts[part]);
  return {
    method: endpoint.method,
    path: endpointPath(endpoint, parts.params as Record<string, unknown> | undefined),
    query: asStrings(parts.query),
    headers: asStrings(parts.headers),
    ...(endpoint.body ? { body: parts.body } : {}),
  };
}

/** Parses a success answer against the endpoint's response schema. */
export function parseEndpointResponse<Endpoint extends EndpointDefinition>(
  endpoint: Endpoint,
  body: unknown,
): EndpointOutput<Endpoint> {
  return checked(endpoint, 'response', body) as EndpointOutput<Endpoint>;
}

/** Checks one part of a request a server or stand-in received; the parsed value on success. */
export function parseEndpointRequestPart(
  endpoint: EndpointDefinition,
  part: 'params' | 'query' | 'headers' | 'body',
  value: unknown,
): unknown {
  return checked(endpoint, part, value);
}

/** Plain text, e.g. a probe's body or Prometheus' exposition format. */
export const plainTextContent = (example: string): EndpointContent => ({
  'text/plain': z.string().meta({ examples: [example] }),
});

/** The JSON body of a health probe (terminus' shape: a status and per-check details). */
export const probeResponseSchema = z.looseObject({ status: z.string() }).meta({ id: 'ProbeResult' });
