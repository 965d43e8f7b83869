import { crudController } from '../common/crud.controller';
import { workspaceRoutes } from '@webstream/contracts';
import { WorkspacesService } from './workspaces.service';

export class WorkspacesController extends crudController(workspaceRoutes, WorkspacesService) {}
