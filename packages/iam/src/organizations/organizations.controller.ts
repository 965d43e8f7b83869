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
  type CreateOrganization,
  createOrganizationSchema,
  type IamIdParam,
  iamIdParamSchema,
  type ListOrganizationsQuery,
  listOrganizationsQuerySchema,
  type Organization,
  organizationRoutes,
  type Page,
  type UpdateOrganization,
  updateOrganizationSchema,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { OrganizationsService } from './organizations.service';

@Controller()
@UseGuards(IamAuthGuard)
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get(organizationRoutes.list.path)
  list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(listOrganizationsQuerySchema)) query: ListOrganizationsQuery,
  ): Promise<Page<Organization>> {
    return this.organizations.list(actor, query);
  }

  @Post(organizationRoutes.create.path)
  create(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createOrganizationSchema)) body: CreateOrganization,
  ): Promise<Organization> {
    return this.organizations.create(actor, body);
  }

  @Get(organizationRoutes.get.path)
  get(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<Organization> {
    return this.organizations.get(actor, id);
  }

  @Patch(organizationRoutes.update.path)
  update(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
    @Body(new ZodValidationPipe(updateOrganizationSchema)) body: UpdateOrganization,
  ): Promise<Organization> {
    return this.organizations.update(actor, id, body);
  }

  @Delete(organizationRoutes.remove.path)
  @HttpCode(204)
  remove(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<void> {
    return this.organizations.remove(actor, id);
  }
}
