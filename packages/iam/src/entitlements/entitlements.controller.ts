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
  type CreateEntitlement,
  createEntitlementSchema,
  type Entitlement,
  entitlementRoutes,
  type IamIdParam,
  iamIdParamSchema,
  type ListEntitlementsQuery,
  listEntitlementsQuerySchema,
  type Page,
  type UpdateEntitlement,
  updateEntitlementSchema,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { EntitlementsService } from './entitlements.service';

@Controller()
@UseGuards(IamAuthGuard)
export class EntitlementsController {
  constructor(private readonly entitlements: EntitlementsService) {}

  @Get(entitlementRoutes.list.path)
  list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(listEntitlementsQuerySchema)) query: ListEntitlementsQuery,
  ): Promise<Page<Entitlement>> {
    return this.entitlements.list(actor, query);
  }

  @Post(entitlementRoutes.create.path)
  create(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createEntitlementSchema)) body: CreateEntitlement,
  ): Promise<Entitlement> {
    return this.entitlements.create(actor, body);
  }

  @Get(entitlementRoutes.get.path)
  get(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<Entitlement> {
    return this.entitlements.get(actor, id);
  }

  @Patch(entitlementRoutes.update.path)
  update(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
    @Body(new ZodValidationPipe(updateEntitlementSchema)) body: UpdateEntitlement,
  ): Promise<Entitlement> {
    return this.entitlements.update(actor, id, body);
  }

  @Delete(entitlementRoutes.remove.path)
  @HttpCode(204)
  remove(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<void> {
    return this.entitlements.remove(actor, id);
  }
}
