import { identityProviderRoutes } from '@webstream/contracts';
import { crudController } from '../common/crud.controller';
import { IdentityProvidersService } from './identity-providers.service';

export class IdentityProvidersController extends crudController(
  identityProviderRoutes,
  IdentityProvidersService,
) {}
