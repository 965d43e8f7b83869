import { API_VERSION, type EndpointDefinition, iamEndpoints } from '@webstream/contracts';
import { openApiDocument, type OpenApiDocument } from '@webstream/service-kit';

export const IAM_TITLE = 'WebStream Access Management (IAM)';
export const IAM_DESCRIPTION =
  'Organizations, users, groups, applications, policies, workspaces, entitlements, API keys and identity providers.';

export const IAM_TAGS = {
  auth: 'Sign-in, tokens, and what gateways ask of them',
  me: 'The signed-in user',
  organizations: 'Organizations (platform administrators)',
  users: 'Users',
  groups: 'Groups and their members',
  applications: 'Applications a workspace can launch',
  policies: 'Session policies',
  workspaces: 'Workspaces',
  entitlements: 'Who may launch what',
  'api-keys': 'API keys',
  'identity-providers': "Organizations' OpenID Connect and SAML identity providers (single sign-on)",
  operations: 'Probes, metrics and this document',
} as const;

/** IAM's document of the given endpoints: its API alone (/iam/openapi.json), or all the service serves. */
export function iamOpenApiDocument(endpoints: readonly EndpointDefinition[] = iamEndpoints): OpenApiDocument {
  return openApiDocument({
    title: IAM_TITLE,
    version: API_VERSION,
    description: IAM_DESCRIPTION,
    endpoints,
    tags: IAM_TAGS,
    servers: [
      {
        url: '/',
        description: 'IAM (accessManagement.port, 8090 by default), or a gateway with IAM built in',
      },
    ],
  });
}
