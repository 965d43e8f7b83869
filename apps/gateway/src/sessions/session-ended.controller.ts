import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  type SessionEndedRequest,
  sessionEndedRequestSchema,
  type SessionEndedResponse,
  sessionEndedRoute,
} from '@webstream/contracts';
import { BackendTokenGuard, ZodValidationPipe } from '@webstream/service-kit';
import { SessionBroker } from './session-broker';

/** A streamer's word that its session is over: the backend side of a session's end. */
@Controller()
@UseGuards(BackendTokenGuard)
export class SessionEndedController {
  constructor(private readonly broker: SessionBroker) {}

  @Post(sessionEndedRoute.path)
  @HttpCode(200)
  async ended(
    @Body(new ZodValidationPipe(sessionEndedRequestSchema)) body: SessionEndedRequest,
  ): Promise<SessionEndedResponse> {
    return { ended: await this.broker.streamerEnded(body.sessionId, body.streamerGuid, body.reason) };
  }
}
