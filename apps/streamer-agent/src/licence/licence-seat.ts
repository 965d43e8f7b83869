import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  BACKEND_TOKEN_HEADER,
  checkinOutcomeForStatus,
  closeCodes,
  sessionEndedRoute,
  STREAMER_CHECKIN_INTERVAL_SECONDS,
  streamerCheckinRoute,
  streamerCheckoutRoute,
  type StreamerLaunch,
} from '@webstream/contracts';
import {
  BACKEND_TOKEN,
  createHttpClient,
  EndpointClient,
  InjectConfig,
  requiredSetting,
  transportProblem,
} from '@webstream/service-kit';
import { Inject } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { SessionEnd } from '../session/session-end';
import { InjectStreamerLaunch } from '../session/streamer-launch';

/** Check-ins that may fail to reach the gateway in a row before the session ends unlicensed (8 × 15 s). */
const UNCONFIRMED_CHECKINS_TOLERATED = 8;
const REQUEST_TIMEOUT_MS = 5_000;

export const CHECKIN_INTERVAL_MS = Symbol('CHECKIN_INTERVAL_MS');

/**
 * The session's standing at the gateway. Its licence seat is checked in at start and every 15 s with the
 * streamerGuid: a 403 (no valid licence) or 409 (the licensed cap is reached) ends the session with its
 * reason, and a gateway that cannot be reached is tolerated for two minutes. On exit the session's end and
 * its reason are reported, and the seat is checked out.
 */
@Injectable()
export class LicenceSeat implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly gateway: EndpointClient;
  private timer?: NodeJS.Timeout;
  private unconfirmed = 0;

  constructor(
    @InjectConfig() config: WebstreamConfig,
    @InjectStreamerLaunch() private readonly launch: StreamerLaunch,
    @Inject(BACKEND_TOKEN) backendToken: string,
    @Inject(CHECKIN_INTERVAL_MS) private readonly intervalMs: number,
    private readonly sessionEnd: SessionEnd,
    private readonly logger: PinoLogger,
  ) {
    const http = createHttpClient({
      baseURL: requiredSetting(
        config.gateway.backend.gatewayUrl,
        'gateway.backend.gatewayUrl',
        "the streamer checks in the session's licence seat there",
      ),
      timeout: REQUEST_TIMEOUT_MS,
      headers: { [BACKEND_TOKEN_HEADER]: backendToken },
    });
    this.gateway = new EndpointClient(http);
  }

  /** Before the port opens: a session the licence does not cover never starts streaming. */
  async onModuleInit(): Promise<void> {
    await this.checkIn();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.checkIn(), this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.reportEnded();
    try {
      const answer = await this.gateway.answer(streamerCheckoutRoute, {
        body: { streamerGuid: this.launch.streamerGuid },
      });
      if (!answer.ok) this.logger.warn({ status: answer.status }, 'licence check-out refused');
    } catch (error) {
      this.logger.warn(
        { problem: transportProblem(error) },
        'licence check-out failed: the gateway frees the seat when it expires',
      );
    }
  }

  /** The gateway frees the session's slot and keeps why it ended for the browser's reconnect preflight. */
  private async reportEnded(): Promise<void> {
    const { sessionId, streamerGuid } = this.launch;
    try {
      const answer = await this.gateway.answer(sessionEndedRoute, {
        body: { sessionId, streamerGuid, reason: this.sessionEnd.reason().entry.reason },
      });
      if (!answer.ok) this.logger.warn({ status: answer.status }, 'the gateway refused the session end');
    } catch (error) {
      this.logger.warn(
        { problem: transportProblem(error) },
        'the session end could not be reported to the gateway',
      );
    }
  }

  private async checkIn(): Promise<void> {
    if (this.sessionEnd.ended) return;
    let status: number | undefined;
    try {
      status = (
        await this.gateway.answer(streamerCheckinRoute, { body: { streamerGuid: this.launch.streamerGuid } })
      ).status;
    } catch (error) {
      this.logger.warn({ problem: transportProblem(error) }, 'licence check-in could not reach the gateway');
    }
    const outcome = status === undefined ? undefined : checkinOutcomeForStatus(status);
    switch (outcome) {
      case 'licensed':
        this.unconfirmed = 0;
        return;
      case 'licence-invalid':
        this.sessionEnd.end(closeCodes.LICENCE_INVALID, 'the gateway has no valid licence for this session');
        return;
      case 'capacity-reached':
        this.sessionEnd.end(
          closeCodes.LICENCE_CAPACITY_REACHED,
          'every licensed session is in use: this one cannot continue',
        );
        return;
      case undefined:
        this.unconfirmed += 1;
        if (status !== undefined) this.logger.warn({ status }, 'licence check-in got no licence decision');
        if (this.unconfirmed > UNCONFIRMED_CHECKINS_TOLERATED) {
          this.sessionEnd.end(
            closeCodes.LICENCE_INVALID,
            `the licence could not be confirmed for ${Math.round((this.unconfirmed * this.intervalMs) / 1000)} s`,
          );
        }
        return;
    }
  }
}

export const DEFAULT_CHECKIN_INTERVAL_MS = STREAMER_CHECKIN_INTERVAL_SECONDS * 1000;
