import { Body, Controller, UseGuards } from '@nestjs/common';
import { type SessionEndedRequest, type SessionEndedResponse, sessionEndedRoute } from '@webstream/contracts';
import { BackendTokenGuard, Endpoint } from '@webstream/service-kit';
import { SessionBroker } from './session-broker';

/** A streamer's word that its session is over: the backend side of a session's end. */
@Controller()
@UseGuards(BackendTokenGuard)
export class SessionEndedController {
  constructor(private readonly broker: SessionBroker) {}

  @Endpoint(sessionEndedRoute)
  async ended(@Body() body: SessionEndedRequest): Promise<SessionEndedResponse> {
    return { ended: await this.broker.streamerEnded(body.sessionId, body.streamerGuid, body.reason) };
  }
}
