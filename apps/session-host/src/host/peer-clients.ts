import { Injectable } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  BACKEND_TOKEN_HEADER,
  type CloseReason,
  errorEnvelopeSchema,
  type HeartbeatRequest,
  heartbeatRoute,
  type RegisterRequest,
  registerRoute,
  type SessionEndedRequest,
  sessionEndedRoute,
  serviceProbeRoutes,
  STREAMER_SECRET_HEADER,
  streamerDrainRoute,
  streamerEndRoute,
  type UnregisterRequest,
  unregisterRoute,
} from '@webstream/contracts';
import { createHttpClient, EndpointClient, InjectConfig, transportProblem } from '@webstream/service-kit';
import { InjectBackendToken } from './session-host-options';

/** Each call to the gateway has this long (register and heartbeat; unregister has less, it delays shutdown). */
export const GATEWAY_TIMEOUT_MS = 5_000;
export const UNREGISTER_TIMEOUT_MS = 3_000;

/** A peer's answer: its status and body, or why there was none (unreachable, timed out). */
export type PeerAnswer =
  | { status: number; body: unknown; problem?: undefined }
  | { status?: undefined; body?: undefined; problem: string };

/** What a peer said, in one line: its error envelope's message and fields, or the HTTP status. */
export function describeAnswer(answer: PeerAnswer): string {
  if (answer.problem !== undefined) return answer.problem;
  const envelope = errorEnvelopeSchema.safeParse(answer.body);
  if (!envelope.success) return `HTTP ${answer.status}`;
  const { message, fields } = envelope.data.error;
  const detail = fields?.length
    ? ` (${fields.map((field) => `${field.path}: ${field.message}`).join('; ')})`
    : '';
  return `HTTP ${answer.status}: ${message}${detail}`;
}

/** A call's answer, or the problem that kept it from coming; never thrown. */
async function answerOf(call: () => Promise<{ status: number; body: unknown }>): Promise<PeerAnswer> {
  try {
    const { status, body } = await call();
    return { status, body };
  } catch (error) {
    return { problem: transportProblem(error) };
  }
}

/** How long a peer told of a session's end or the host's drain may take to answer. */
export const STREAMER_CALL_TIMEOUT_MS = 2_000;

/** The session host's calls to the gateway (seed 000), authenticated with X-Backend-Token. */
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

  register(body: RegisterRequest, signal?: AbortSignal): Promise<PeerAnswer> {
    return answerOf(() => this.gateway.answer(registerRoute, { body }, { signal }));
  }

  heartbeat(body: HeartbeatRequest, signal?: AbortSignal): Promise<PeerAnswer> {
    return answerOf(() => this.gateway.answer(heartbeatRoute, { body }, { signal }));
  }

  /** `timeoutMs` is for a caller that is not shutting down (a contract test on a busy machine). */
  unregister(body: UnregisterRequest, timeoutMs = UNREGISTER_TIMEOUT_MS): Promise<PeerAnswer> {
    return answerOf(() => this.gateway.answer(unregisterRoute, { body }, { timeout: timeoutMs }));
  }

  /** A session's streamer is gone: the gateway ends the session and tells its browser. */
  sessionEnded(body: SessionEndedRequest): Promise<PeerAnswer> {
    return answerOf(() =>
      this.gateway.answer(sessionEndedRoute, { body }, { timeout: STREAMER_CALL_TIMEOUT_MS }),
    );
  }
}

/** Where a session's streamer listens and the secret that opens it. */
export interface StreamerAddress {
  url: string;
  secret: string;
}

/** The session host's calls to its streamers, authenticated with each session's secret. */
@Injectable()
export class StreamerClient {
  private readonly streamers = new EndpointClient(
    createHttpClient({ timeout: STREAMER_CALL_TIMEOUT_MS, maxRedirects: 0 }),
  );

  /** Whether the streamer serves yet: 200 on /health/ready within `timeoutMs`. */
  async isReady(url: string, timeoutMs: number): Promise<boolean> {
    const answer = await answerOf(() =>
      this.streamers.answer(serviceProbeRoutes.ready, {}, { baseUrl: url, timeout: timeoutMs }),
    );
    return answer.status === 200;
  }

  /** Tell the session's clients why, and exit. */
  end(streamer: StreamerAddress, reason: CloseReason): Promise<PeerAnswer> {
    return answerOf(() => this.streamers.answer(streamerEndRoute, { body: { reason } }, this.to(streamer)));
  }

  /** Warn the session's clients that the host stops in `secondsLeft`. */
  drain(streamer: StreamerAddress, secondsLeft: number): Promise<PeerAnswer> {
    return answerOf(() =>
      this.streamers.answer(streamerDrainRoute, { body: { secondsLeft } }, this.to(streamer)),
    );
  }

  private to(streamer: StreamerAddress) {
    return { baseUrl: streamer.url, credentials: { [STREAMER_SECRET_HEADER]: streamer.secret } };
  }
}
