import { crudController } from '../common/crud.controller';
import { applicationRoutes } from '@webstream/contracts';
import { ApplicationsService } from './applications.service';

export class ApplicationsController extends crudController(applicationRoutes, ApplicationsService) {}
