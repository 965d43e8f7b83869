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
  type CreateWorkspace,
  createWorkspaceSchema,
  type IamIdParam,
  iamIdParamSchema,
  type ListWorkspacesQuery,
  listWorkspacesQuerySchema,
  type Page,
  type UpdateWorkspace,
  updateWorkspaceSchema,
  type Workspace,
  workspaceRoutes,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { WorkspacesService } from './workspaces.service';

@Controller()
@UseGuards(IamAuthGuard)
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Get(workspaceRoutes.list.path)
  list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(listWorkspacesQuerySchema)) query: ListWorkspacesQuery,
  ): Promise<Page<Workspace>> {
    return this.workspaces.list(actor, query);
  }

  @Post(workspaceRoutes.create.path)
  create(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createWorkspaceSchema)) body: CreateWorkspace,
  ): Promise<Workspace> {
    return this.workspaces.create(actor, body);
  }

  @Get(workspaceRoutes.get.path)
  get(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<Workspace> {
    return this.workspaces.get(actor, id);
  }

  @Patch(workspaceRoutes.update.path)
  update(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
    @Body(new ZodValidationPipe(updateWorkspaceSchema)) body: UpdateWorkspace,
  ): Promise<Workspace> {
    return this.workspaces.update(actor, id, body);
  }

  @Delete(workspaceRoutes.remove.path)
  @HttpCode(204)
  remove(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<void> {
    return this.workspaces.remove(actor, id);
  }
}
