import { crudController } from '../common/crud.controller';
import { entitlementsResource } from '../common/iam-resources';
import { EntitlementsService } from './entitlements.service';

export class EntitlementsController extends crudController(entitlementsResource, EntitlementsService) {}
