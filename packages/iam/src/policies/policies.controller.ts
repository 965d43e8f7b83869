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
  type CreatePolicy,
  createPolicySchema,
  type IamIdParam,
  iamIdParamSchema,
  type ListPoliciesQuery,
  listPoliciesQuerySchema,
  type Page,
  type Policy,
  policyRoutes,
  type UpdatePolicy,
  updatePolicySchema,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { PoliciesService } from './policies.service';

@Controller()
@UseGuards(IamAuthGuard)
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get(policyRoutes.list.path)
  list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(listPoliciesQuerySchema)) query: ListPoliciesQuery,
  ): Promise<Page<Policy>> {
    return this.policies.list(actor, query);
  }

  @Post(policyRoutes.create.path)
  create(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createPolicySchema)) body: CreatePolicy,
  ): Promise<Policy> {
    return this.policies.create(actor, body);
  }

  @Get(policyRoutes.get.path)
  get(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<Policy> {
    return this.policies.get(actor, id);
  }

  @Patch(policyRoutes.update.path)
  update(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
    @Body(new ZodValidationPipe(updatePolicySchema)) body: UpdatePolicy,
  ): Promise<Policy> {
    return this.policies.update(actor, id, body);
  }

  @Delete(policyRoutes.remove.path)
  @HttpCode(204)
  remove(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<void> {
    return this.policies.remove(actor, id);
  }
}
