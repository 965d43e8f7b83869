// One POST /api/ingest per batch, behind a circuit breaker so a dead engine is not hammered.
import CircuitBreaker from 'opossum';
import {
  ContractViolation,
  SERVICE_TOKEN_SCHEME,
  telemetryIngestRoute,
  type ErrorBody,
  type TelemetryBatch,
  type TelemetryIngestResponse,
} from '@webstream/contracts';
import { createHttpClient, EndpointCallError, EndpointClient } from '@webstream/service-kit';

/** Answers meaning the batch itself is unacceptable, so sending it again cannot succeed. */
const REJECTING_STATUSES: ReadonlySet<number> = new Set([400, 413, 422]);
const AUTH_STATUSES: ReadonlySet<number> = new Set([401, 403]);

/** The engine refused the batch as invalid: move it aside, never retry it. Not a failure for the breaker. */
export class IngestRejectedError extends Error {
  override readonly name = 'IngestRejectedError';
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
  ) {
    super(`metrics engine rejected the batch: HTTP ${status}${body ? ` ${body.code}: ${body.message}` : ''}`);
  }
}

/** Any other answer that is not a stored batch (401/403, 5xx, 404, a malformed 2xx): keep the batch, retry later. */
export class IngestFailedError extends Error {
  override readonly name = 'IngestFailedError';
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
    detail?: string,
  ) {
    super(
      `metrics engine answered HTTP ${status}${body ? ` ${body.code}: ${body.message}` : ''}${detail ? ` (${detail})` : ''}`,
    );
  }

  get isAuthFailure(): boolean {
    return AUTH_STATUSES.has(this.status);
  }
}

export interface IngestTransportOptions {
  url: string;
  serviceToken: string;
  requestTimeoutMs: number;
  breakerResetMs: number;
  name: string;
}

export class IngestTransport {
  private readonly engine: EndpointClient;
  private readonly breaker: CircuitBreaker<[TelemetryBatch, AbortSignal], TelemetryIngestResponse>;

  constructor(options: IngestTransportOptions) {
    this.engine = new EndpointClient(
      createHttpClient({
        baseURL: options.url,
        timeout: options.requestTimeoutMs,
        headers: { Authorization: `${SERVICE_TOKEN_SCHEME} ${options.serviceToken}` },
        // A POST is never replayed to another address.
        maxRedirects: 0,
      }),
    );
    this.breaker = new CircuitBreaker(
      (batch: TelemetryBatch, signal: AbortSignal) => this.post(batch, signal),
      {
        name: options.name,
        timeout: options.requestTimeoutMs,
        errorThresholdPercentage: 50,
        volumeThreshold: 3,
        resetTimeout: options.breakerResetMs,
        enableSnapshots: false,
        // An invalid batch says nothing about the engine's health: it must not open the circuit.
        errorFilter: (err: unknown) => err instanceof IngestRejectedError,
      },
    );
  }

  /**
   * Resolves with the engine's answer (stored: false = a duplicate, also a success). Rejects with
   * IngestRejectedError when the batch is invalid, with anything else when it should be retried.
   */
  send(batch: TelemetryBatch, signal: AbortSignal): Promise<TelemetryIngestResponse> {
    return this.breaker.fire(batch, signal);
  }

  shutdown(): void {
    this.breaker.shutdown();
  }

  private async post(batch: TelemetryBatch, signal: AbortSignal): Promise<TelemetryIngestResponse> {
    let answer;
    try {
      answer = await this.engine.answer(telemetryIngestRoute, { body: batch }, { signal });
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      // A batch the contract refuses would be refused by the engine too: never sent, never retried.
      if (error.part !== 'response') {
        throw new IngestRejectedError(400, {
          status: 400,
          code: 'validation_failed',
          message: error.message,
          fields: [...error.fields],
        });
      }
      // Only an answer that says the batch is stored counts: anything else might be a proxy, and the key makes a
      // retry safe.
      throw new IngestFailedError(telemetryIngestRoute.status, undefined, 'not an ingest response');
    }
    if (answer.ok) return answer.body;
    if (REJECTING_STATUSES.has(answer.status)) throw new IngestRejectedError(answer.status, answer.error);
    throw new IngestFailedError(answer.status, answer.error);
  }
}

/** A one-line reason for a failed send, without request details (which carry the token header). */
export function describeSendError(err: unknown): string {
  if (err instanceof IngestFailedError || err instanceof IngestRejectedError) return err.message;
  if (err instanceof EndpointCallError) return err.message;
  if (err instanceof Error) {
    const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
    if (code === 'EOPENBREAKER')
      return 'circuit open: the metrics engine failed recently, not calling it yet';
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
