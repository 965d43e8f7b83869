import { Injectable } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  AUDIO_PATH,
  CAPTURE_PATH,
  closeCodes,
  CONTROL_PATH,
  type CloseReason,
  type SessionEndedRequest,
  type StreamerConnection,
} from '@webstream/contracts';
import { InjectConfig } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { GatewayClient, type PeerAnswer, type StreamerAddress, StreamerClient } from '../host/peer-clients';
import { type SupervisedSession } from './supervised-session';

/**
 * What the supervisor says about a session to its peers: the gateway (a lost streamer) and the session's
 * streamer (ready?, drain, end). A peer that refuses or does not answer is logged: the session's fate does
 * not wait on it.
 */
@Injectable()
export class SessionMessenger {
  /** Streamers listen on this address only, and the gateway reaches them there. */
  private readonly host: string;

  constructor(
    @InjectConfig() config: WebstreamConfig,
    private readonly gateway: GatewayClient,
    private readonly streamers: StreamerClient,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(SessionMessenger.name);
    this.host = config.sessionHost.streamerAddress;
  }

  /** Where the gateway finds the session's streamer, with the secret it presents there. */
  connection(session: SupervisedSession): StreamerConnection {
    return {
      sessionId: session.sessionId,
      streamerGuid: session.streamerGuid,
      host: this.host,
      port: session.port,
      streamerSecret: session.secret,
      paths: { capture: CAPTURE_PATH, control: CONTROL_PATH, audio: AUDIO_PATH },
    };
  }

  get streamerHost(): string {
    return this.host;
  }

  /** Whether the session's streamer answers 200 on /health/ready within `timeoutMs`. */
  isReady(session: SupervisedSession, timeoutMs: number): Promise<boolean> {
    return this.streamers.isReady(this.streamerUrl(session), timeoutMs);
  }

  /** Tells the gateway a session's streamer is gone, so the session ends there too and its browser is told. */
  async reportLost(session: SupervisedSession): Promise<void> {
    const body: SessionEndedRequest = {
      sessionId: session.sessionId,
      streamerGuid: session.streamerGuid,
      reason: closeCodes.HOST_LOST.reason,
    };
    this.logUnheard(
      await this.gateway.sessionEnded(body),
      { sessionId: session.sessionId, streamerGuid: session.streamerGuid },
      'the gateway refused the report of a lost streamer',
      'could not tell the gateway the session’s streamer was lost',
    );
  }

  /** Asks the streamer to end its session within `secondsLeft`, telling its clients why. */
  async askToDrain(session: SupervisedSession, secondsLeft: number): Promise<void> {
    this.logUnheard(
      await this.streamers.drain(this.streamerAddress(session), secondsLeft),
      { sessionId: session.sessionId, streamerGuid: session.streamerGuid, port: session.port },
      'the streamer refused the drain request',
      'could not ask the streamer to drain; it is ended when the drain time is up',
    );
  }

  /** Asks the streamer to tell its clients why the session ends, and exit. */
  async askToEnd(session: SupervisedSession, reason: CloseReason): Promise<void> {
    this.logUnheard(
      await this.streamers.end(this.streamerAddress(session), reason),
      { sessionId: session.sessionId, streamerGuid: session.streamerGuid, port: session.port, reason },
      'the streamer refused to end',
      'could not ask the streamer to end its session; ending its processes',
    );
  }

  private streamerUrl(session: SupervisedSession): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${session.port}`;
  }

  private streamerAddress(session: SupervisedSession): StreamerAddress {
    return { url: this.streamerUrl(session), secret: session.secret };
  }

  private logUnheard(answer: PeerAnswer, fields: object, refused: string, unanswered: string): void {
    if (answer.problem !== undefined) this.logger.warn({ ...fields, err: answer.problem }, unanswered);
    else if (answer.status < 200 || answer.status >= 300)
      this.logger.warn({ ...fields, status: answer.status }, refused);
  }
}
