import { crudController } from '../common/crud.controller';
import { groupRoutes } from '@webstream/contracts';
import { GroupsService } from './groups.service';

export class GroupsController extends crudController(groupRoutes, GroupsService) {}
