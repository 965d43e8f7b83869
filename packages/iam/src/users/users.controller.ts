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
  type CreateUser,
  createUserSchema,
  type IamIdParam,
  iamIdParamSchema,
  type ListUsersQuery,
  listUsersQuerySchema,
  type Page,
  type UpdateUser,
  updateUserSchema,
  type User,
  userRoutes,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import { type Actor, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { UsersService } from './users.service';

@Controller()
@UseGuards(IamAuthGuard)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get(userRoutes.list.path)
  list(
    @CurrentActor() actor: Actor,
    @Query(new ZodValidationPipe(listUsersQuerySchema)) query: ListUsersQuery,
  ): Promise<Page<User>> {
    return this.users.list(actor, query);
  }

  @Post(userRoutes.create.path)
  create(
    @CurrentActor() actor: Actor,
    @Body(new ZodValidationPipe(createUserSchema)) body: CreateUser,
  ): Promise<User> {
    return this.users.create(actor, body);
  }

  @Get(userRoutes.get.path)
  get(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<User> {
    return this.users.get(actor, id);
  }

  @Patch(userRoutes.update.path)
  update(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
    @Body(new ZodValidationPipe(updateUserSchema)) body: UpdateUser,
  ): Promise<User> {
    return this.users.update(actor, id, body);
  }

  @Delete(userRoutes.remove.path)
  @HttpCode(204)
  remove(
    @CurrentActor() actor: Actor,
    @Param(new ZodValidationPipe(iamIdParamSchema)) { id }: IamIdParam,
  ): Promise<void> {
    return this.users.remove(actor, id);
  }
}
