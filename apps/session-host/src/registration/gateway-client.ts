import { Injectable } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  BACKEND_TOKEN_HEADER,
  errorEnvelopeSchema,
  type HeartbeatRequest,
  heartbeatRoute,
  type RegisterRequest,
  registerRoute,
  type UnregisterRequest,
  unregisterRoute,
} from '@webstream/contracts';
import { createHttpClient, EndpointClient, InjectConfig, transportProblem } from '@webstream/service-kit';
import { InjectBackendToken } from '../host/session-host-options';

/** Each call to the gateway has this long (register and heartbeat; unregister has less, it delays shutdown). */
export const GATEWAY_TIMEOUT_MS = 5_000;
export const UNREGISTER_TIMEOUT_MS = 3_000;

/** The gateway's answer: its status and body, or why there was none (unreachable, timed out). */
export type GatewayAnswer =
  | { status: number; body: unknown; problem?: undefined }
  | { status?: undefined; body?: undefined; problem: string };

/** What the gateway said, in one line: its error envelope's message and fields, or the HTTP status. */
export function describeAnswer(answer: GatewayAnswer): string {
  if (answer.problem !== undefined) return answer.problem;
  const envelope = errorEnvelopeSchema.safeParse(answer.body);
  if (!envelope.success) return `HTTP ${answer.status}`;
  const { message, fields } = envelope.data.error;
  const detail = fields?.length
    ? ` (${fields.map((field) => `${field.path}: ${field.message}`).join('; ')})`
    : '';
  return `HTTP ${answer.status}: ${message}${detail}`;
}

/** The session host's three calls to the gateway (seed 000), authenticated with X-Backend-Token. */
@Injectable()
export class GatewayClient {
  readonly gatewayUrl: string;
  private readonly gateway: EndpointClient;

  constructor(@InjectConfig() config: WebstreamConfig, @InjectBackendToken() token: string) {
    this.gatewayUrl = config.gateway.backend.gatewayUrl;
    this.gateway = new EndpointClient(
      createHttpClient({
        baseURL: this.gatewayUrl,
        timeout: GATEWAY_TIMEOUT_MS,
        maxRedirects: 0,
        headers: { [BACKEND_TOKEN_HEADER]: token, Accept: 'application/json' },
      }),
    );
  }

  register(body: RegisterRequest, signal?: AbortSignal): Promise<GatewayAnswer> {
    return this.send(() => this.gateway.answer(registerRoute, { body }, { signal }));
  }

  heartbeat(body: HeartbeatRequest, signal?: AbortSignal): Promise<GatewayAnswer> {
    return this.send(() => this.gateway.answer(heartbeatRoute, { body }, { signal }));
  }

  unregister(body: UnregisterRequest): Promise<GatewayAnswer> {
    return this.send(() =>
      this.gateway.answer(unregisterRoute, { body }, { timeout: UNREGISTER_TIMEOUT_MS }),
    );
  }

  /** A success answer that breaks its contract counts as no answer, like one that never came. */
  private async send(call: () => Promise<{ status: number; body: unknown }>): Promise<GatewayAnswer> {
    try {
      const { status, body } = await call();
      return { status, body };
    } catch (error) {
      return { problem: transportProblem(error) };
    }
  }
}
