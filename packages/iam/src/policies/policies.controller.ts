import { crudController } from '../common/crud.controller';
import { policiesResource } from '../common/iam-resources';
import { PoliciesService } from './policies.service';

export class PoliciesController extends crudController(policiesResource, PoliciesService) {}
