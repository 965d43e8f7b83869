import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  type Type,
  UseGuards,
} from '@nestjs/common';
import { type CrudRoutes, type IamIdParam, iamIdParamSchema, type Page } from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import { type z } from 'zod';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';

/** What one IAM collection's service offers; every call is scoped to the actor's rights and organization. */
export interface CrudService<Item, Create, Update, ListQuery, Created = Item> {
  list(actor: Actor, query: ListQuery): Promise<Page<Item>>;
  get(actor: Actor, id: string): Promise<Item>;
  create(actor: Actor, body: Create): Promise<Created>;
  update(actor: Actor, id: string, body: Update): Promise<Item>;
  remove(actor: Actor, id: string): Promise<void>;
}

export interface CrudSpec<ListQuery extends z.ZodType, Create extends z.ZodType, Update extends z.ZodType> {
  routes: CrudRoutes;
  listQuery: ListQuery;
  create: Create;
  update: Update;
}

/**
 * The five routes of an IAM collection, each a thin call into its service: the contract's route constants
 * and zod schemas, behind IamAuthGuard. A collection's controller is `class X extends crudController(...) {}`.
 */
export function crudController<
  ListQuery extends z.ZodType,
  Create extends z.ZodType,
  Update extends z.ZodType,
  Item,
  Created,
>(
  spec: CrudSpec<ListQuery, Create, Update>,
  service: Type<CrudService<Item, z.output<Create>, z.output<Update>, z.output<ListQuery>, Created>>,
) {
  @Controller()
  @UseGuards(IamAuthGuard)
  class CrudController {
    constructor(
      @Inject(service)
      readonly service: CrudService<Item, z.output<Create>, z.output<Update>, z.output<ListQuery>, Created>,
    ) {}

    @Get(spec.routes.list.path)
    list(
      @CurrentActor() actor: Actor,
      @Query(new ZodValidationPipe(spec.listQuery)) query: z.output<ListQuery>,
    ): Promise<Page<Item>> {
      return this.service.list(actor, query);
    }

    @Post(spec.routes.create.path)
    create(
      @CurrentActor() actor: Actor,
      @Body(new ZodValidationPipe(spec.create)) body: z.output<Create>,
    ): Promise<Created> {
      return this.service.create(actor, body);
    }

    @Get(spec.routes.get.path)
    get(
      @CurrentActor() actor: Actor,
      @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
    ): Promise<Item> {
      return this.service.get(actor, id);
    }

    @Patch(spec.routes.update.path)
    update(
      @CurrentActor() actor: Actor,
      @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
      @Body(new ZodValidationPipe(spec.update)) body: z.output<Update>,
    ): Promise<Item> {
      return this.service.update(actor, id, body);
    }

    @Delete(spec.routes.remove.path)
    @HttpCode(204)
    remove(
      @CurrentActor() actor: Actor,
      @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
    ): Promise<void> {
      return this.service.remove(actor, id);
    }
  }
  return CrudController;
}
