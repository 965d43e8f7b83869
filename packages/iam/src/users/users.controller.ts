import { crudController } from '../common/crud.controller';
import { usersResource } from '../common/iam-resources';
import { UsersService } from './users.service';

export class UsersController extends crudController(usersResource, UsersService) {}
