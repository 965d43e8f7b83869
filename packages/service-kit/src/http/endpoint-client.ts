import {
  type EndpointDefinition,
  type EndpointInput,
  type EndpointOutput,
  endpointRequest,
  type ErrorBody,
  errorEnvelopeSchema,
  parseEndpointResponse,
} from '@webstream/contracts';
import { type AxiosInstance, isAxiosError } from 'axios';

export interface CallOptions {
  /** The peer, where the client's own baseURL is not it (a backend of many). */
  baseUrl?: string;
  signal?: AbortSignal | undefined;
  timeout?: number;
  /** The credential of this call (the endpoint's security scheme), where the client's own is not it. */
  credentials?: Record<string, string>;
}

/** A peer's answer to one call: the parsed body on the endpoint's success status, else the status and why. */
export type EndpointAnswer<Endpoint extends EndpointDefinition> =
  | { ok: true; status: number; body: EndpointOutput<Endpoint> }
  | { ok: false; status: number; body: unknown; error: ErrorBody | undefined };

/** A call that failed: no answer at all, or an answer other than the endpoint's success. */
export class EndpointCallError extends Error {
  constructor(
    readonly operationId: string,
    /** Undefined when the peer could not be reached or did not answer in time. */
    readonly status: number | undefined,
    readonly error: ErrorBody | undefined,
    message: string,
    /** The transport's error code when there was no answer (ECONNREFUSED, ERR_CANCELED, …). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'EndpointCallError';
  }
}

/** Why a call got no answer, in one line; never the axios error itself, which carries the request's headers. */
export function transportProblem(error: unknown): string {
  if (isAxiosError(error)) return `${error.code ?? 'ERR_HTTP'}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Calls endpoints by their definitions: the input is checked before it is sent, and a success answer is parsed
 * with the endpoint's response schema, so a peer that breaks the contract fails here (ContractViolation) rather
 * than somewhere downstream. The axios instance carries what every call shares (timeouts, credentials).
 */
export class EndpointClient {
  constructor(private readonly http: AxiosInstance) {}

  /** Every answer, success or not; throws EndpointCallError only when there is none. */
  async answer<Endpoint extends EndpointDefinition>(
    endpoint: Endpoint,
    input: EndpointInput<Endpoint>,
    options: CallOptions = {},
  ): Promise<EndpointAnswer<Endpoint>> {
    const request = endpointRequest(endpoint, input);
    let response;
    try {
      response = await this.http.request<unknown>({
        method: request.method,
        url: request.path,
        ...(options.baseUrl !== undefined ? { baseURL: options.baseUrl } : {}),
        params: request.query,
        headers: { ...options.credentials, ...request.headers },
        data: request.body,
        signal: options.signal,
        ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
        validateStatus: () => true,
      });
    } catch (error) {
      const code = isAxiosError(error) ? error.code : undefined;
      throw new EndpointCallError(endpoint.operationId, undefined, undefined, transportProblem(error), code);
    }
    if (response.status === endpoint.status) {
      return { ok: true, status: response.status, body: parseEndpointResponse(endpoint, response.data) };
    }
    const envelope = errorEnvelopeSchema.safeParse(response.data);
    return {
      ok: false,
      status: response.status,
      body: response.data,
      error: envelope.success ? envelope.data.error : undefined,
    };
  }

  /** The parsed success body; any other answer throws EndpointCallError with its status and error. */
  async call<Endpoint extends EndpointDefinition>(
    endpoint: Endpoint,
    input: EndpointInput<Endpoint>,
    options: CallOptions = {},
  ): Promise<EndpointOutput<Endpoint>> {
    const answer = await this.answer(endpoint, input, options);
    if (answer.ok) return answer.body;
    throw new EndpointCallError(
      endpoint.operationId,
      answer.status,
      answer.error,
      `${endpoint.operationId}: HTTP ${answer.status}${answer.error ? `: ${answer.error.message}` : ''}`,
    );
  }
}
