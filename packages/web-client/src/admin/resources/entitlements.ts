import {
  type CreateEntitlement,
  type Entitlement,
  entitlementRoutes,
  type UpdateEntitlement,
} from '@webstream/contracts';
import { nullableText, optionalText, textOf } from '../kit/form-values';
import { type ResourceSpec } from '../kit/resource-spec';
import { day, organizationField, withOrg } from './common';

export const entitlementsSpec: ResourceSpec<Entitlement, CreateEntitlement, UpdateEntitlement> = {
  section: 'entitlements',
  title: 'Entitlements',
  singular: 'entitlement',
  routes: entitlementRoutes,
  searchable: false,
  refs: ['organizations', 'workspaces', 'users', 'groups'],
  columns: [
    { header: 'Workspace', value: (item, nameOf) => nameOf('workspaces', item.workspaceId) },
    { header: 'User', value: (item, nameOf) => (item.userId === null ? '' : nameOf('users', item.userId)) },
    {
      header: 'Group',
      value: (item, nameOf) => (item.groupId === null ? '' : nameOf('groups', item.groupId)),
    },
    { header: 'Granted', value: (item) => day(item.createdAt) },
  ],
  // A platform admin picks the organization first: the workspace, user and group are offered from it.
  fields: (context) => [
    ...organizationField(context),
    {
      name: 'workspaceId',
      label: 'Workspace',
      kind: 'select',
      source: 'workspaces',
      empty: 'Choose a workspace',
      required: true,
    },
    {
      name: 'userId',
      label: 'User',
      kind: 'select',
      source: 'users',
      empty: 'None',
      hint: 'Choose a user or a group, not both.',
    },
    {
      name: 'groupId',
      label: 'Group',
      kind: 'select',
      source: 'groups',
      empty: 'None',
      hint: 'Every member of the group may launch the workspace.',
    },
  ],
  empty: (context) => ({ ...withOrg(context), workspaceId: '', userId: '', groupId: '' }),
  fromItem: (item) => ({
    workspaceId: item.workspaceId,
    userId: item.userId ?? '',
    groupId: item.groupId ?? '',
  }),
  toCreate: (values) => ({
    workspaceId: textOf(values, 'workspaceId'),
    userId: optionalText(values, 'userId'),
    groupId: optionalText(values, 'groupId'),
  }),
  toUpdate: (values) => ({
    workspaceId: textOf(values, 'workspaceId'),
    userId: nullableText(values, 'userId'),
    groupId: nullableText(values, 'groupId'),
  }),
  describe: (item, nameOf) =>
    `${nameOf('workspaces', item.workspaceId)} for ${
      item.userId !== null ? nameOf('users', item.userId) : nameOf('groups', item.groupId)
    }`,
};
