import { Body, Controller, UseGuards } from '@nestjs/common';
import {
  type TokenSubjectsRequest,
  type TokenSubjectsResponse,
  tokenSubjectsRoute,
} from '@webstream/contracts';
import { BackendTokenGuard, Endpoint } from '@webstream/service-kit';
import { DatabaseTokenSubjects } from './database-token-subjects';

/** For gateways that verify access tokens without IAM's database (accessManagement.mode standalone or external). */
@Controller()
@UseGuards(BackendTokenGuard)
export class TokenSubjectsController {
  constructor(private readonly subjects: DatabaseTokenSubjects) {}

  @Endpoint(tokenSubjectsRoute)
  async current(@Body() body: TokenSubjectsRequest): Promise<TokenSubjectsResponse> {
    return { subjects: await this.subjects.currentOf(body.userIds) };
  }
}
