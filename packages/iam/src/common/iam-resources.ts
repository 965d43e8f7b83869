import {
  apiKeyPageSchema,
  apiKeyRoutes,
  apiKeySchema,
  applicationPageSchema,
  applicationRoutes,
  applicationSchema,
  createApiKeySchema,
  createApplicationSchema,
  createdApiKeySchema,
  createEntitlementSchema,
  createGroupSchema,
  createOrganizationSchema,
  createPolicySchema,
  createUserSchema,
  createWorkspaceSchema,
  entitlementPageSchema,
  entitlementRoutes,
  entitlementSchema,
  groupPageSchema,
  groupRoutes,
  groupSchema,
  listApiKeysQuerySchema,
  listApplicationsQuerySchema,
  listEntitlementsQuerySchema,
  listGroupsQuerySchema,
  listOrganizationsQuerySchema,
  listPoliciesQuerySchema,
  listUsersQuerySchema,
  listWorkspacesQuerySchema,
  organizationPageSchema,
  organizationRoutes,
  organizationSchema,
  policyPageSchema,
  policyRoutes,
  policySchema,
  updateApiKeySchema,
  updateApplicationSchema,
  updateEntitlementSchema,
  updateGroupSchema,
  updateOrganizationSchema,
  updatePolicySchema,
  updateUserSchema,
  updateWorkspaceSchema,
  userPageSchema,
  userRoutes,
  userSchema,
  workspacePageSchema,
  workspaceRoutes,
  workspaceSchema,
  type CrudRoutes,
} from '@webstream/contracts';
import { type z } from 'zod';

/** One IAM collection's contract: its routes and the zod schemas of its queries, bodies and answers. */
export interface IamResource {
  tag: string;
  routes: CrudRoutes;
  listQuery: z.ZodObject;
  create: z.ZodType;
  update: z.ZodType;
  item: z.ZodType;
  page: z.ZodType;
  /** The answer to create, where it differs from item (an API key's secret is shown once). */
  created?: z.ZodType;
}

export const organizationsResource = {
  tag: 'organizations',
  routes: organizationRoutes,
  listQuery: listOrganizationsQuerySchema,
  create: createOrganizationSchema,
  update: updateOrganizationSchema,
  item: organizationSchema,
  page: organizationPageSchema,
} as const satisfies IamResource;

export const usersResource = {
  tag: 'users',
  routes: userRoutes,
  listQuery: listUsersQuerySchema,
  create: createUserSchema,
  update: updateUserSchema,
  item: userSchema,
  page: userPageSchema,
} as const satisfies IamResource;

export const groupsResource = {
  tag: 'groups',
  routes: groupRoutes,
  listQuery: listGroupsQuerySchema,
  create: createGroupSchema,
  update: updateGroupSchema,
  item: groupSchema,
  page: groupPageSchema,
} as const satisfies IamResource;

export const applicationsResource = {
  tag: 'applications',
  routes: applicationRoutes,
  listQuery: listApplicationsQuerySchema,
  create: createApplicationSchema,
  update: updateApplicationSchema,
  item: applicationSchema,
  page: applicationPageSchema,
} as const satisfies IamResource;

export const policiesResource = {
  tag: 'policies',
  routes: policyRoutes,
  listQuery: listPoliciesQuerySchema,
  create: createPolicySchema,
  update: updatePolicySchema,
  item: policySchema,
  page: policyPageSchema,
} as const satisfies IamResource;

export const workspacesResource = {
  tag: 'workspaces',
  routes: workspaceRoutes,
  listQuery: listWorkspacesQuerySchema,
  create: createWorkspaceSchema,
  update: updateWorkspaceSchema,
  item: workspaceSchema,
  page: workspacePageSchema,
} as const satisfies IamResource;

export const entitlementsResource = {
  tag: 'entitlements',
  routes: entitlementRoutes,
  listQuery: listEntitlementsQuerySchema,
  create: createEntitlementSchema,
  update: updateEntitlementSchema,
  item: entitlementSchema,
  page: entitlementPageSchema,
} as const satisfies IamResource;

export const apiKeysResource = {
  tag: 'api-keys',
  routes: apiKeyRoutes,
  listQuery: listApiKeysQuerySchema,
  create: createApiKeySchema,
  update: updateApiKeySchema,
  item: apiKeySchema,
  page: apiKeyPageSchema,
  created: createdApiKeySchema,
} as const satisfies IamResource;

export const iamResources: readonly IamResource[] = [
  organizationsResource,
  usersResource,
  groupsResource,
  applicationsResource,
  policiesResource,
  workspacesResource,
  entitlementsResource,
  apiKeysResource,
];
