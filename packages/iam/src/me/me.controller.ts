import { Controller, Get, UseGuards } from '@nestjs/common';
import { type MeResponse, meRoute, myWorkspacesRoute, type MyWorkspacesResponse } from '@webstream/contracts';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { MeService } from './me.service';

@Controller()
@UseGuards(IamAuthGuard)
export class MeController {
  constructor(private readonly me: MeService) {}

  @Get(meRoute.path)
  get(@CurrentActor() actor: Actor): Promise<MeResponse> {
    return this.me.me(actor);
  }

  @Get(myWorkspacesRoute.path)
  workspaces(@CurrentActor() actor: Actor): Promise<MyWorkspacesResponse> {
    return this.me.workspaces(actor);
  }
}
