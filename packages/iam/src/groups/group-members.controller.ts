import { Controller, Delete, Get, HttpCode, Param, Put, Query, UseGuards } from '@nestjs/common';
import {
  groupMemberParamSchema,
  type GroupMemberParam,
  groupMemberRoutes,
  type GroupMembership,
  type IamIdParam,
  iamIdParamSchema,
  type Page,
  type PageQuery,
  pageQuerySchema,
  type User,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { GroupsService } from './groups.service';

const membersQuerySchema = pageQuerySchema.pick({ page: true, pageSize: true });

@Controller()
@UseGuards(IamAuthGuard)
export class GroupMembersController {
  constructor(private readonly groups: GroupsService) {}

  @Get(groupMemberRoutes.list.path)
  list(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
    @Query(new ZodValidationPipe(membersQuerySchema)) query: Pick<PageQuery, 'page' | 'pageSize'>,
  ): Promise<Page<User>> {
    return this.groups.members(actor, id, query);
  }

  @Put(groupMemberRoutes.add.path)
  add(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(groupMemberParamSchema)) { id, userId }: GroupMemberParam,
  ): Promise<GroupMembership> {
    return this.groups.addMember(actor, id, userId);
  }

  @Delete(groupMemberRoutes.remove.path)
  @HttpCode(204)
  remove(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(groupMemberParamSchema)) { id, userId }: GroupMemberParam,
  ): Promise<void> {
    return this.groups.removeMember(actor, id, userId);
  }
}
