// One import for the console's IAM collections, whose definitions live one per module in resources/.
export { applicationsSpec } from './resources/applications';
export { entitlementsSpec } from './resources/entitlements';
export { groupsSpec } from './resources/groups';
export { identityProvidersSpec } from './resources/identity-providers';
export { organizationsSpec } from './resources/organizations';
export { policiesSpec } from './resources/policies';
export { usersSpec } from './resources/users';
export { workspacesSpec } from './resources/workspaces';
