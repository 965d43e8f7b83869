import { Controller, UseGuards } from '@nestjs/common';
import { Endpoint } from '@webstream/service-kit';
import { type MeResponse, meRoute, myWorkspacesRoute, type MyWorkspacesResponse } from '@webstream/contracts';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { MeService } from './me.service';

@Controller()
@UseGuards(IamAuthGuard)
export class MeController {
  constructor(private readonly me: MeService) {}

  @Endpoint(meRoute)
  get(@CurrentActor() actor: Actor): Promise<MeResponse> {
    return this.me.me(actor);
  }

  @Endpoint(myWorkspacesRoute)
  workspaces(@CurrentActor() actor: Actor): Promise<MyWorkspacesResponse> {
    return this.me.workspaces(actor);
  }
}
