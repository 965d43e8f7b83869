import { crudController } from '../common/crud.controller';
import { groupsResource } from '../common/iam-resources';
import { GroupsService } from './groups.service';

export class GroupsController extends crudController(groupsResource, GroupsService) {}
