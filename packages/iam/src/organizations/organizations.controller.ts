import { crudController } from '../common/crud.controller';
import { organizationRoutes } from '@webstream/contracts';
import { OrganizationsService } from './organizations.service';

export class OrganizationsController extends crudController(organizationRoutes, OrganizationsService) {}
