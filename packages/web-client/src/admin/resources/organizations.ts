import {
  type CreateOrganization,
  createOrganizationSchema,
  type Organization,
  organizationRoutes,
  type UpdateOrganization,
} from '@webstream/contracts';
import { textOf } from '../kit/form-values';
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
  ],
  empty: () => ({ name: '', slug: '' }),
  fromItem: (item) => ({ name: item.name, slug: item.slug }),
  toCreate: (values) => ({ name: textOf(values, 'name'), slug: textOf(values, 'slug') }),
  toUpdate: (values) => ({ name: textOf(values, 'name'), slug: textOf(values, 'slug') }),
  describe: (item) => item.name,
};
