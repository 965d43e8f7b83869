import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  closeEntryForReason,
  type StreamerDrainRequest,
  streamerDrainRequestSchema,
  type StreamerDrainResponse,
  streamerDrainRoute,
  type StreamerEndRequest,
  streamerEndRequestSchema,
  streamerEndRoute,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
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
  @Post(streamerDrainRoute.path)
  @HttpCode(200)
  drain(
    @Body(new ZodValidationPipe(streamerDrainRequestSchema)) body: StreamerDrainRequest,
  ): StreamerDrainResponse {
    return { endsAt: this.clock.drain(body.secondsLeft).toISOString() };
  }

  /** The gateway ended the session (released, disconnected by an admin): the clients learn why, then it ends. */
  @Post(streamerEndRoute.path)
  @HttpCode(200)
  end(@Body(new ZodValidationPipe(streamerEndRequestSchema)) body: StreamerEndRequest): { ended: true } {
    const entry = closeEntryForReason(body.reason);
    this.sessionEnd.end(entry, entry.message);
    return { ended: true };
  }
}
