import { crudController } from '../common/crud.controller';
import { apiKeysResource } from '../common/iam-resources';
import { ApiKeysService } from './api-keys.service';

export class ApiKeysController extends crudController(apiKeysResource, ApiKeysService) {}
