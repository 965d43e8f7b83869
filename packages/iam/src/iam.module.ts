import { randomBytes } from 'node:crypto';
import { type DynamicModule, Module } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { BACKEND_TOKEN, BackendToken, BackendTokenGuard } from '@webstream/service-kit';
import { ApiKeyVerifier } from './api-keys/api-key-verifier';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { ApplicationsController } from './applications/applications.controller';
import { ApplicationsService } from './applications/applications.service';
import { AuditTrail } from './audit/audit-trail';
import { ACCESS_TOKEN_EXPORTS, accessTokenProviders, TokenSubjects } from './auth/access-token';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { AccessTokenRevocation, DatabaseTokenSubjects } from './auth/database-token-subjects';
import { IamAuthGuard } from './auth/iam-auth.guard';
import { LoginThrottle } from './auth/login-throttle';
import { PasswordHasher } from './auth/password-hasher';
import { RefreshTokens } from './auth/refresh-tokens';
import { TokenSubjectsController } from './auth/token-subjects.controller';
import { IamBootstrap } from './bootstrap/iam-bootstrap';
import { IamChanges } from './changes/iam-changes';
import { IamMetrics } from './common/iam-metrics';
import { IamDatabase } from './database/iam-database';
import { EntitlementResolutionController } from './entitlements/entitlement-resolution.controller';
import { EntitlementResolver } from './entitlements/entitlement-resolver';
import { EntitlementsController } from './entitlements/entitlements.controller';
import { EntitlementsService } from './entitlements/entitlements.service';
import { GroupMembersController } from './groups/group-members.controller';
import { GroupsController } from './groups/groups.controller';
import { GroupsService } from './groups/groups.service';
import { MeController } from './me/me.controller';
import { MeService } from './me/me.service';
import { OpenApiController } from './openapi/openapi.controller';
import { OrganizationsController } from './organizations/organizations.controller';
import { OrganizationsService } from './organizations/organizations.service';
import { PoliciesController } from './policies/policies.controller';
import { PoliciesService } from './policies/policies.service';
import { IAM_SETTINGS, iamSettings } from './settings/iam-settings';
import { UsersController } from './users/users.controller';
import { WorkspacesController } from './workspaces/workspaces.controller';
import { WorkspacesService } from './workspaces/workspaces.service';
import { UsersService } from './users/users.service';

import { OrganizationsRepository } from './organizations/organizations.repository';
import { UsersRepository } from './users/users.repository';
import { GroupsRepository } from './groups/groups.repository';
import { ApplicationsRepository } from './applications/applications.repository';
import { PoliciesRepository } from './policies/policies.repository';
import { WorkspacesRepository } from './workspaces/workspaces.repository';
import { EntitlementsRepository } from './entitlements/entitlements.repository';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { IdentityProvidersController } from './identity-providers/identity-providers.controller';
import { IdentityProvidersRepository } from './identity-providers/identity-providers.repository';
import { IdentityProvidersService } from './identity-providers/identity-providers.service';
import { ProviderEgress } from './identity-providers/provider-egress';
import { ProviderSecrets } from './identity-providers/provider-secrets';
import { ExternalIdentitiesRepository } from './sso/external-identities.repository';
import { OidcRelyingParty } from './sso/oidc-relying-party';
import { SamlServiceProvider } from './sso/saml-service-provider';
import { SsoAccounts } from './sso/sso-accounts';
import { SsoAttemptsRepository } from './sso/sso-attempts.repository';
import { SsoController } from './sso/sso.controller';
import { SsoService } from './sso/sso.service';
/** One per feature: the services reach the database through these. */
const REPOSITORIES = [
  OrganizationsRepository,
  UsersRepository,
  GroupsRepository,
  ApplicationsRepository,
  PoliciesRepository,
  WorkspacesRepository,
  EntitlementsRepository,
  ApiKeysRepository,
  IdentityProvidersRepository,
  SsoAttemptsRepository,
  ExternalIdentitiesRepository,
];

/**
 * Access management under /iam/*: mounted in-process by the gateway (accessManagement.mode = builtin) and
 * hosted on its own by apps/iam (-am), with the same routes either way.
 */
@Module({})
export class IamModule {
  /** `role` names the process in start-up errors, e.g. "the gateway's built-in IAM". */
  static forRoot(config: WebstreamConfig, role = 'IAM'): DynamicModule {
    const settings = iamSettings(config, role);
    // Gateways that verify tokens without this database ask here, with the backend token. Without one
    // configured no gateway can: the route is still served (so every IAM serves the same API), but to nobody,
    // since no caller can present a random secret that was never written anywhere.
    const backendToken = config.gateway.backend.token ?? randomBytes(32).toString('base64url');
    return {
      module: IamModule,
      controllers: [
        AuthController,
        SsoController,
        MeController,
        OpenApiController,
        OrganizationsController,
        UsersController,
        GroupsController,
        GroupMembersController,
        ApplicationsController,
        PoliciesController,
        WorkspacesController,
        // Before EntitlementsController, whose /iam/entitlements/:id would otherwise take "resolve" for an id.
        EntitlementResolutionController,
        EntitlementsController,
        ApiKeysController,
        IdentityProvidersController,
        TokenSubjectsController,
      ],
      providers: [
        ...accessTokenProviders({ signingKey: settings.tokenSigningKey, ttl: settings.accessTokenTtl }),
        DatabaseTokenSubjects,
        { provide: TokenSubjects, useExisting: DatabaseTokenSubjects },
        AccessTokenRevocation,
        { provide: BACKEND_TOKEN, useValue: backendToken },
        BackendToken,
        BackendTokenGuard,
        { provide: IAM_SETTINGS, useValue: settings },
        IamDatabase,
        IamChanges,
        IamMetrics,
        AuditTrail,
        PasswordHasher,
        LoginThrottle,
        RefreshTokens,
        ApiKeyVerifier,
        IamAuthGuard,
        AuthService,
        ...REPOSITORIES,
        OrganizationsService,
        UsersService,
        GroupsService,
        ApplicationsService,
        PoliciesService,
        WorkspacesService,
        EntitlementsService,
        EntitlementResolver,
        ApiKeysService,
        MeService,
        ProviderSecrets,
        ProviderEgress,
        IdentityProvidersService,
        OidcRelyingParty,
        SamlServiceProvider,
        SsoAccounts,
        SsoService,
        IamBootstrap,
      ],
      exports: [IamDatabase, EntitlementResolver, ApiKeyVerifier, ...ACCESS_TOKEN_EXPORTS],
    };
  }
}
