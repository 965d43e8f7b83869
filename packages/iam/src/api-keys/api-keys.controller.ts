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
  type ApiKey,
  apiKeyRoutes,
  type CreateApiKey,
  createApiKeySchema,
  type CreatedApiKey,
  type IamIdParam,
  iamIdParamSchema,
  type ListApiKeysQuery,
  listApiKeysQuerySchema,
  type Page,
  type UpdateApiKey,
  updateApiKeySchema,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { ApiKeysService } from './api-keys.service';

@Controller()
@UseGuards(IamAuthGuard)
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Get(apiKeyRoutes.list.path)
  list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(listApiKeysQuerySchema)) query: ListApiKeysQuery,
  ): Promise<Page<ApiKey>> {
    return this.apiKeys.list(actor, query);
  }

  @Post(apiKeyRoutes.create.path)
  create(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createApiKeySchema)) body: CreateApiKey,
  ): Promise<CreatedApiKey> {
    return this.apiKeys.create(actor, body);
  }

  @Get(apiKeyRoutes.get.path)
  get(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<ApiKey> {
    return this.apiKeys.get(actor, id);
  }

  @Patch(apiKeyRoutes.update.path)
  update(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
    @Body(new ZodValidationPipe(updateApiKeySchema)) body: UpdateApiKey,
  ): Promise<ApiKey> {
    return this.apiKeys.update(actor, id, body);
  }

  @Delete(apiKeyRoutes.remove.path)
  @HttpCode(204)
  remove(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<void> {
    return this.apiKeys.remove(actor, id);
  }
}
