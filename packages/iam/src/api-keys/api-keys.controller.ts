import { crudController } from '../common/crud.controller';
import { apiKeyRoutes } from '@webstream/contracts';
import { ApiKeysService } from './api-keys.service';

export class ApiKeysController extends crudController(apiKeyRoutes, ApiKeysService) {}
