import { HttpException, type OnApplicationShutdown, ServiceUnavailableException } from '@nestjs/common';
import { type EntitlementResolution, resolveEntitlementRoute } from '@webstream/contracts';
import {
  createHttpClient,
  currentRequestSignal,
  EndpointCallError,
  EndpointClient,
} from '@webstream/service-kit';
import { type AxiosInstance } from 'axios';
import CircuitBreaker from 'opossum';
import { type EntitlementQuery, IamClient } from './iam-client';

export interface HttpIamClientOptions {
  /** accessManagement.url */
  url: string;
  timeoutMs: number;
  /** How long the circuit stays open before one trial call. */
  resetTimeoutMs: number;
}

/** An HTTP client for IAM at `url`: no redirects followed. */
export function iamHttpClient(url: string, timeoutMs: number): AxiosInstance {
  return createHttpClient({ baseURL: url, timeout: timeoutMs, maxRedirects: 0 });
}

/** IAM answered, with a 4xx: the caller's problem, not IAM's health, so it does not count against the circuit. */
class IamRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Standalone or external mode: IAM over HTTP behind a circuit breaker, so a sick IAM fails fast with 503. */
export class HttpIamClient extends IamClient implements OnApplicationShutdown {
  private readonly iam: EndpointClient;
  private readonly breaker: CircuitBreaker<[EntitlementQuery], EntitlementResolution>;

  constructor(options: HttpIamClientOptions) {
    super();
    this.iam = new EndpointClient(iamHttpClient(options.url, options.timeoutMs));
    this.breaker = new CircuitBreaker((query: EntitlementQuery) => this.fetchResolution(query), {
      name: 'iam',
      timeout: options.timeoutMs,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      resetTimeout: options.resetTimeoutMs,
      enableSnapshots: false,
      // Neither a refusal nor a call its client gave up on says anything about IAM's health.
      errorFilter: (error: unknown) =>
        error instanceof IamRefusal || (error instanceof EndpointCallError && error.code === 'ERR_CANCELED'),
    });
  }

  async resolveEntitlement(query: EntitlementQuery): Promise<EntitlementResolution> {
    try {
      return await this.breaker.fire(query);
    } catch (error) {
      if (error instanceof IamRefusal) throw new HttpException(error.message, error.status);
      const reason = error instanceof Error ? error.message : String(error);
      throw new ServiceUnavailableException(`access management is unavailable: ${reason}`);
    }
  }

  onApplicationShutdown(): void {
    this.breaker.shutdown();
  }

  private async fetchResolution(query: EntitlementQuery): Promise<EntitlementResolution> {
    const response = await this.iam.answer(
      resolveEntitlementRoute,
      { query: { workspaceId: query.workspaceId, appId: query.appId } },
      // Asked only to answer the browser's select: gone with it.
      { credentials: { Authorization: `Bearer ${query.accessToken}` }, signal: currentRequestSignal() },
    );
    if (response.ok) return response.body;
    const message = response.error?.message ?? `IAM answered ${response.status}`;
    if (response.status >= 400 && response.status < 500) throw new IamRefusal(response.status, message);
    throw new Error(message);
  }
}
