import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  type StreamerDrainRequest,
  streamerDrainRequestSchema,
  type StreamerDrainResponse,
  streamerDrainRoute,
} from '@webstream/contracts';
import { BackendTokenGuard, ZodValidationPipe } from '@webstream/service-kit';
import { PolicyClock } from '../policy/policy-clock';

/** The session host is draining: the user is warned now and the session ends at the deadline. */
@Controller()
@UseGuards(BackendTokenGuard)
export class DrainController {
  constructor(private readonly clock: PolicyClock) {}

  @Post(streamerDrainRoute.path)
  @HttpCode(200)
  drain(
    @Body(new ZodValidationPipe(streamerDrainRequestSchema)) body: StreamerDrainRequest,
  ): StreamerDrainResponse {
    return { endsAt: this.clock.drain(body.secondsLeft).toISOString() };
  }
}
