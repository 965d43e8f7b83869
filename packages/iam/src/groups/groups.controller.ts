import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  type CreateGroup,
  createGroupSchema,
  type Group,
  groupRoutes,
  type IamIdParam,
  iamIdParamSchema,
  type ListGroupsQuery,
  listGroupsQuerySchema,
  type Page,
  type UpdateGroup,
  updateGroupSchema,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { GroupsService } from './groups.service';

@Controller()
@UseGuards(IamAuthGuard)
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get(groupRoutes.list.path)
  list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(listGroupsQuerySchema)) query: ListGroupsQuery,
  ): Promise<Page<Group>> {
    return this.groups.list(actor, query);
  }

  @Post(groupRoutes.create.path)
  create(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createGroupSchema)) body: CreateGroup,
  ): Promise<Group> {
    return this.groups.create(actor, body);
  }

  @Get(groupRoutes.get.path)
  get(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<Group> {
    return this.groups.get(actor, id);
  }

  @Patch(groupRoutes.update.path)
  update(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
    @Body(new ZodValidationPipe(updateGroupSchema)) body: UpdateGroup,
  ): Promise<Group> {
    return this.groups.update(actor, id, body);
  }

  @Delete(groupRoutes.remove.path)
  @HttpCode(204)
  remove(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<void> {
    return this.groups.remove(actor, id);
  }
}
