import { crudController } from '../common/crud.controller';
import { policyRoutes } from '@webstream/contracts';
import { PoliciesService } from './policies.service';

export class PoliciesController extends crudController(policyRoutes, PoliciesService) {}
