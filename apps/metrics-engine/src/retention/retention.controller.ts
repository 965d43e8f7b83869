import { ConflictException, Controller, UseGuards } from '@nestjs/common';
import { type EndpointOutput, retentionRunRoute } from '@webstream/contracts';
import { Endpoint, ServiceTokenGuard } from '@webstream/service-kit';
import { RetentionService } from './retention.service';

@Controller()
@UseGuards(ServiceTokenGuard)
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @Endpoint(retentionRunRoute)
  async run(): Promise<EndpointOutput<typeof retentionRunRoute>> {
    const outcome = await this.retention.run(new Date());
    if (!outcome) throw new ConflictException('the retention job is already running on another engine');
    return outcome;
  }
}
