import { type IncomingHttpHeaders } from 'node:http';
import {
  BACKEND_TOKEN_HEADER,
  heartbeatRoute,
  registerRoute,
  sessionEndedRoute,
  streamerCheckinRoute,
  streamerCheckoutRoute,
  unregisterRoute,
} from '@webstream/contracts';
import { until } from '../helpers';
import { StandIn, type StandInRequest } from '../stand-in';

/** One call a stand-in received, with its JSON body as an object. */
export interface ReceivedCall {
  path: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** Date.now() when it arrived. */
  at: number;
}

/**
 * The gateway's endpoints for session hosts and streamers (registration, heartbeats, session ends, the
 * streamer licence), built from their definitions. Every call must carry `backendToken` (401 otherwise, as
 * from the gateway); each answer queue gives the status of the next calls (200 once it is empty), and
 * `checkinStatus` the licence's answer.
 */
export class StandInGateway {
  readonly registerAnswers: number[] = [];
  readonly heartbeatAnswers: number[] = [];
  checkinStatus = 200;
  private readonly standIn = new StandIn()
    .on(
      registerRoute,
      (request) =>
        this.refusal(request, this.registerAnswers, 'stand-in refusal') ?? {
          body: {
            registered: true as const,
            serverUrl: (request.body as { serverUrl: string }).serverUrl,
            heartbeatInterval: 1,
          },
        },
    )
    .on(
      heartbeatRoute,
      (request) =>
        this.refusal(request, this.heartbeatAnswers, 'is not registered: register it again') ?? {
          body: { acknowledged: true as const },
        },
    )
    .on(unregisterRoute, (request) => this.refusal(request) ?? { body: { success: true } })
    .on(sessionEndedRoute, (request) => this.refusal(request) ?? { body: { ended: true } })
    .on(
      streamerCheckinRoute,
      (request) =>
        this.refusal(request, [this.checkinStatus], 'the licence refuses this streamer') ?? {
          body: { status: 'ok' as const, activeStreamers: 1, licensedSessions: 25 },
        },
    )
    .on(
      streamerCheckoutRoute,
      (request) => this.refusal(request) ?? { body: { success: true, activeStreamers: 0 } },
    );

  constructor(private readonly options: { backendToken: string }) {}

  get url(): string {
    return this.standIn.url;
  }

  get received(): ReceivedCall[] {
    return this.standIn.received.map(({ path, body, headers, at }) => ({
      path,
      body: body as Record<string, unknown>,
      headers,
      at,
    }));
  }

  /** Answers the stand-in gave that broke their contract: none, or the test is wrong. */
  get violations(): string[] {
    return this.standIn.violations;
  }

  calls(path: string): ReceivedCall[] {
    return this.received.filter((call) => call.path === path);
  }

  /** Waits until at least `count` calls of `path` arrived, and returns them. */
  async callsAtLeast(path: string, count: number): Promise<ReceivedCall[]> {
    await until(`${count} calls of ${path}`, () => this.calls(path).length >= count);
    return this.calls(path);
  }

  /** The streamers that checked in, and the token each presented. */
  get checkins(): { streamerGuid: string; token: string | undefined }[] {
    return this.calls(streamerCheckinRoute.path).map((call) => ({
      streamerGuid: call.body.streamerGuid as string,
      token: call.headers[BACKEND_TOKEN_HEADER] as string | undefined,
    }));
  }

  get checkouts(): string[] {
    return this.calls(streamerCheckoutRoute.path).map((call) => call.body.streamerGuid as string);
  }

  /** The session ends reported to it. */
  get ends(): { sessionId: string; reason: string }[] {
    return this.calls(sessionEndedRoute.path).map((call) => ({
      sessionId: call.body.sessionId as string,
      reason: call.body.reason as string,
    }));
  }

  /** On a free loopback port, or on `port` (a gateway that comes back where it was). */
  async start(port = 0): Promise<this> {
    await this.standIn.start(port);
    return this;
  }

  stop(): Promise<void> {
    return this.standIn.stop();
  }

  /** 401 without the backend token, else the next queued status other than 200, if any. */
  private refusal(
    request: StandInRequest,
    queue: number[] = [],
    message = 'refused',
  ): { status: number; message: string } | undefined {
    if (request.headers[BACKEND_TOKEN_HEADER] !== this.options.backendToken) {
      return { status: 401, message: `${BACKEND_TOKEN_HEADER} must carry gateway.backend.token` };
    }
    const status = queue.shift() ?? 200;
    return status === 200 ? undefined : { status, message };
  }
}
