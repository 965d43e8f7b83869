import { ConflictException, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ServiceTokenGuard } from '../auth/service-token.guard';
import { type RetentionOutcome, RetentionService } from './retention.service';

/** Runs the retention job now (it also runs every retention.intervalMinutes), e.g. after a bulk import. */
@Controller()
@UseGuards(ServiceTokenGuard)
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @Post('/api/retention/run')
  @HttpCode(200)
  async run(): Promise<RetentionOutcome> {
    const outcome = await this.retention.run(new Date());
    if (!outcome) throw new ConflictException('the retention job is already running on another engine');
    return outcome;
  }
}
