import { Body, Controller, UseGuards } from '@nestjs/common';
import {
  closeEntryForReason,
  type EndpointBody,
  type EndpointOutput,
  streamerDrainRoute,
  streamerEndRoute,
} from '@webstream/contracts';
import { Endpoint } from '@webstream/service-kit';
import { PolicyClock } from '../policy/policy-clock';
import { SessionEnd } from '../session/session-end';
import { StreamerSecretGuard } from '../session/streamer-secret';

/** What the session host may ask of its streamer: to drain by a deadline, or to end the session now. */
@Controller()
@UseGuards(StreamerSecretGuard)
export class HostRequestsController {
  constructor(
    private readonly clock: PolicyClock,
    private readonly sessionEnd: SessionEnd,
  ) {}

  /** The host is draining: the user is warned now and the session ends at the deadline. */
  @Endpoint(streamerDrainRoute)
  drain(@Body() body: EndpointBody<typeof streamerDrainRoute>): EndpointOutput<typeof streamerDrainRoute> {
    return { endsAt: this.clock.drain(body.secondsLeft).toISOString() };
  }

  /** The gateway ended the session (released, disconnected by an admin): the clients learn why, then it ends. */
  @Endpoint(streamerEndRoute)
  end(@Body() body: EndpointBody<typeof streamerEndRoute>): EndpointOutput<typeof streamerEndRoute> {
    const entry = closeEntryForReason(body.reason);
    this.sessionEnd.end(entry, entry.message);
    return { ended: true };
  }
}
