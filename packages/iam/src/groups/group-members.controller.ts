import { Controller, Param, Query, UseGuards } from '@nestjs/common';
import {
  type GroupMemberParam,
  groupMemberRoutes,
  type GroupMembership,
  type IamIdParam,
  type Page,
  type EndpointQuery,
  type User,
} from '@webstream/contracts';
import { Endpoint } from '@webstream/service-kit';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { GroupsService } from './groups.service';

@Controller()
@UseGuards(IamAuthGuard)
export class GroupMembersController {
  constructor(private readonly groups: GroupsService) {}

  @Endpoint(groupMemberRoutes.list)
  list(
    @CurrentActor() actor: Actor,
    @Param() { id }: IamIdParam,
    @Query() query: EndpointQuery<typeof groupMemberRoutes.list>,
  ): Promise<Page<User>> {
    return this.groups.members(actor, id, query);
  }

  @Endpoint(groupMemberRoutes.add)
  add(@CurrentActor() actor: Actor, @Param() { id, userId }: GroupMemberParam): Promise<GroupMembership> {
    return this.groups.addMember(actor, id, userId);
  }

  @Endpoint(groupMemberRoutes.remove)
  remove(@CurrentActor() actor: Actor, @Param() { id, userId }: GroupMemberParam): Promise<void> {
    return this.groups.removeMember(actor, id, userId);
  }
}
