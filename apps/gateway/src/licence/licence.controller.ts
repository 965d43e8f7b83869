import { Body, ConflictException, Controller, ForbiddenException, UseGuards } from '@nestjs/common';
import {
  type StreamerCheckinRequest,
  type StreamerCheckinResponse,
  streamerCheckinRoute,
  type StreamerCheckoutRequest,
  type StreamerCheckoutResponse,
  streamerCheckoutRoute,
} from '@webstream/contracts';
import { BackendTokenGuard, Endpoint } from '@webstream/service-kit';
import { LicenceRegistry } from './licence-registry';

/** The streamers' check-in (every 15 s) and check-out, authenticated with the backend credential. */
@Controller()
@UseGuards(BackendTokenGuard)
export class LicenceController {
  constructor(private readonly registry: LicenceRegistry) {}

  @Endpoint(streamerCheckinRoute)
  async checkin(@Body() body: StreamerCheckinRequest): Promise<StreamerCheckinResponse> {
    const result = await this.registry.checkin(body.streamerGuid);
    switch (result.outcome) {
      case 'licensed':
        return {
          status: 'ok',
          activeStreamers: result.activeStreamers,
          licensedSessions: result.licensedSessions,
        };
      case 'licence-invalid':
        throw new ForbiddenException(`no valid licence: ${result.problem}`);
      case 'capacity-reached':
        throw new ConflictException(
          `the licensed cap of ${result.licensedSessions} active streamers is reached; this streamer must end`,
        );
    }
  }

  @Endpoint(streamerCheckoutRoute)
  checkout(@Body() body: StreamerCheckoutRequest): Promise<StreamerCheckoutResponse> {
    return this.registry.checkout(body.streamerGuid);
  }
}
