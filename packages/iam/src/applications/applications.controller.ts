import { crudController } from '../common/crud.controller';
import { applicationsResource } from '../common/iam-resources';
import { ApplicationsService } from './applications.service';

export class ApplicationsController extends crudController(applicationsResource, ApplicationsService) {}
