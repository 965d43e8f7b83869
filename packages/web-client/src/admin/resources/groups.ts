import {
  type CreateGroup,
  createGroupSchema,
  type Group,
  groupRoutes,
  type UpdateGroup,
} from '@webstream/contracts';
import { optionalText, textOf } from '../kit/form-values';
import { type ResourceSpec } from '../kit/resource-spec';
import { descriptionField, nameField, organizationField, withOrg } from './common';

const body = createGroupSchema.shape;

export const groupsSpec: ResourceSpec<Group, CreateGroup, UpdateGroup> = {
  section: 'groups',
  title: 'Groups',
  singular: 'group',
  routes: groupRoutes,
  searchable: true,
  refs: ['organizations'],
  columns: [
    { header: 'Name', value: (item) => item.name },
    { header: 'Description', value: (item) => item.description },
    { header: 'Members', value: (item) => String(item.memberCount) },
  ],
  fields: (context) => [
    ...organizationField(context),
    nameField(body.name),
    descriptionField(body.description.unwrap()),
  ],
  empty: (context) => ({ ...withOrg(context), name: '', description: '' }),
  fromItem: (item) => ({ name: item.name, description: item.description }),
  toCreate: (values) => ({
    orgId: optionalText(values, 'orgId'),
    name: textOf(values, 'name'),
    description: textOf(values, 'description'),
  }),
  toUpdate: (values) => ({ name: textOf(values, 'name'), description: textOf(values, 'description') }),
  describe: (item) => item.name,
};
