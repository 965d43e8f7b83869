import {
  type CreateOrganization,
  createOrganizationSchema,
  type Organization,
  organizationRoutes,
  type UpdateOrganization,
} from '@webstream/contracts';
import { boolOf, type FormValues, textOf } from '../kit/form-values';
import { type ResourceSpec } from '../kit/resource-spec';
import { day, nameField } from './common';

const body = createOrganizationSchema.shape;

export const organizationsSpec: ResourceSpec<Organization, CreateOrganization, UpdateOrganization> = {
  section: 'organizations',
  title: 'Organizations',
  singular: 'organization',
  routes: organizationRoutes,
  searchable: true,
  refs: [],
  columns: [
    { header: 'Name', value: (item) => item.name },
    { header: 'Slug', value: (item) => item.slug },
    { header: 'Local passwords', value: (item) => (item.passwordLogin ? 'Allowed' : 'Off') },
    { header: 'Created', value: (item) => day(item.createdAt) },
  ],
  fields: () => [
    nameField(body.name),
    {
      name: 'slug',
      label: 'Slug',
      kind: 'text',
      required: true,
      hint: 'Lower-case letters, digits and inner hyphens; users give it when they sign in.',
    },
    {
      name: 'passwordLogin',
      label: 'Local passwords',
      kind: 'checkbox',
      hint: 'Off: its users sign in through its identity providers only (platform admins still may).',
    },
  ],
  empty: () => ({ name: '', slug: '', passwordLogin: true }),
  fromItem: (item) => ({ name: item.name, slug: item.slug, passwordLogin: item.passwordLogin }),
  toCreate: (values) => organizationFields(values),
  toUpdate: (values) => organizationFields(values),
  describe: (item) => item.name,
};

function organizationFields(values: FormValues) {
  return {
    name: textOf(values, 'name'),
    slug: textOf(values, 'slug'),
    passwordLogin: boolOf(values, 'passwordLogin'),
  };
}
