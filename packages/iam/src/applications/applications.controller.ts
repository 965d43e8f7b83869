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
  type Application,
  applicationRoutes,
  type CreateApplication,
  createApplicationSchema,
  type IamIdParam,
  iamIdParamSchema,
  type ListApplicationsQuery,
  listApplicationsQuerySchema,
  type Page,
  type UpdateApplication,
  updateApplicationSchema,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { ApplicationsService } from './applications.service';

@Controller()
@UseGuards(IamAuthGuard)
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @Get(applicationRoutes.list.path)
  list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(listApplicationsQuerySchema)) query: ListApplicationsQuery,
  ): Promise<Page<Application>> {
    return this.applications.list(actor, query);
  }

  @Post(applicationRoutes.create.path)
  create(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createApplicationSchema)) body: CreateApplication,
  ): Promise<Application> {
    return this.applications.create(actor, body);
  }

  @Get(applicationRoutes.get.path)
  get(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<Application> {
    return this.applications.get(actor, id);
  }

  @Patch(applicationRoutes.update.path)
  update(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
    @Body(new ZodValidationPipe(updateApplicationSchema)) body: UpdateApplication,
  ): Promise<Application> {
    return this.applications.update(actor, id, body);
  }

  @Delete(applicationRoutes.remove.path)
  @HttpCode(204)
  remove(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<void> {
    return this.applications.remove(actor, id);
  }
}
