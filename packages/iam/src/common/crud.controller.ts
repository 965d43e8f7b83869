import { Body, Controller, Inject, Param, Query, type Type, UseGuards } from '@nestjs/common';
import { type EndpointDefinition, type IamIdParam, type Page } from '@webstream/contracts';
import { Endpoint } from '@webstream/service-kit';
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

/** A collection's five endpoints (crudEndpoints in the contracts), as the controller reads them. */
export interface CrudRoutes<ListQuery extends z.ZodType, Create extends z.ZodType, Update extends z.ZodType> {
  list: EndpointDefinition & { query: ListQuery };
  create: EndpointDefinition & { body: Create };
  get: EndpointDefinition;
  update: EndpointDefinition & { body: Update };
  remove: EndpointDefinition;
}

/**
 * The five routes of an IAM collection, each a thin call into its service, served from the collection's
 * endpoint definitions (validation included), behind IamAuthGuard. A collection's controller is
 * `class X extends crudController(...) {}`.
 */
export function crudController<
  ListQuery extends z.ZodType,
  Create extends z.ZodType,
  Update extends z.ZodType,
  Item,
  Created,
>(
  routes: CrudRoutes<ListQuery, Create, Update>,
  service: Type<CrudService<Item, z.output<Create>, z.output<Update>, z.output<ListQuery>, Created>>,
) {
  @Controller()
  @UseGuards(IamAuthGuard)
  class CrudController {
    constructor(
      @Inject(service)
      readonly service: CrudService<Item, z.output<Create>, z.output<Update>, z.output<ListQuery>, Created>,
    ) {}

    @Endpoint(routes.list)
    list(@CurrentActor() actor: Actor, @Query() query: z.output<ListQuery>): Promise<Page<Item>> {
      return this.service.list(actor, query);
    }

    @Endpoint(routes.create)
    create(@CurrentActor() actor: Actor, @Body() body: z.output<Create>): Promise<Created> {
      return this.service.create(actor, body);
    }

    @Endpoint(routes.get)
    get(@CurrentActor() actor: Actor, @Param() { id }: IamIdParam): Promise<Item> {
      return this.service.get(actor, id);
    }

    @Endpoint(routes.update)
    update(
      @CurrentActor() actor: Actor,
      @Param() { id }: IamIdParam,
      @Body() body: z.output<Update>,
    ): Promise<Item> {
      return this.service.update(actor, id, body);
    }

    @Endpoint(routes.remove)
    remove(@CurrentActor() actor: Actor, @Param() { id }: IamIdParam): Promise<void> {
      return this.service.remove(actor, id);
    }
  }
  return CrudController;
}
