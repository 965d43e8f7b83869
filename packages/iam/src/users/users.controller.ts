import { crudController } from '../common/crud.controller';
import { userRoutes } from '@webstream/contracts';
import { UsersService } from './users.service';

export class UsersController extends crudController(userRoutes, UsersService) {}
