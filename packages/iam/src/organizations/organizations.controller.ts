import { crudController } from '../common/crud.controller';
import { organizationsResource } from '../common/iam-resources';
import { OrganizationsService } from './organizations.service';

export class OrganizationsController extends crudController(organizationsResource, OrganizationsService) {}
