import { crudController } from '../common/crud.controller';
import { workspacesResource } from '../common/iam-resources';
import { WorkspacesService } from './workspaces.service';

export class WorkspacesController extends crudController(workspacesResource, WorkspacesService) {}
