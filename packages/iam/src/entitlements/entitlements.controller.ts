import { crudController } from '../common/crud.controller';
import { entitlementRoutes } from '@webstream/contracts';
import { EntitlementsService } from './entitlements.service';

export class EntitlementsController extends crudController(entitlementRoutes, EntitlementsService) {}
