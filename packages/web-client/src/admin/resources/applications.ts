import {
  type Application,
  applicationRoutes,
  type CreateApplication,
  createApplicationSchema,
  type UpdateApplication,
} from '@webstream/contracts';
import { nullableText, optionalText, textOf } from '../kit/form-values';
import { type ResourceSpec } from '../kit/resource-spec';
import { descriptionField, nameField, organizationField, withOrg } from './common';

const body = createApplicationSchema.shape;

export const applicationsSpec: ResourceSpec<Application, CreateApplication, UpdateApplication> = {
  section: 'applications',
  title: 'Applications',
  singular: 'application',
  routes: applicationRoutes,
  searchable: true,
  refs: ['organizations'],
  columns: [
    { header: 'Name', value: (item) => item.name },
    { header: 'Executable', value: (item) => item.exe },
    { header: 'Arguments', value: (item) => item.args },
    { header: 'Description', value: (item) => item.description },
  ],
  fields: (context) => [
    ...organizationField(context),
    nameField(body.name),
    {
      name: 'exe',
      label: 'Executable',
      kind: 'text',
      required: true,
      hint: 'The program the session host starts, e.g. notepad.exe or /usr/bin/gedit.',
    },
    { name: 'args', label: 'Arguments', kind: 'text' },
    descriptionField(body.description.unwrap()),
    {
      name: 'icon',
      label: 'Icon',
      kind: 'text',
      hint: 'An http(s) URL or a data:image/…;base64 URI; leave empty for none.',
    },
  ],
  empty: (context) => ({ ...withOrg(context), name: '', exe: '', args: '', description: '', icon: '' }),
  fromItem: (item) => ({
    name: item.name,
    exe: item.exe,
    args: item.args,
    description: item.description,
    icon: item.icon ?? '',
  }),
  toCreate: (values) => ({
    orgId: optionalText(values, 'orgId'),
    name: textOf(values, 'name'),
    exe: textOf(values, 'exe'),
    args: textOf(values, 'args'),
    description: textOf(values, 'description'),
    icon: optionalText(values, 'icon'),
  }),
  toUpdate: (values) => ({
    name: textOf(values, 'name'),
    exe: textOf(values, 'exe'),
    args: textOf(values, 'args'),
    description: textOf(values, 'description'),
    icon: nullableText(values, 'icon'),
  }),
  describe: (item) => item.name,
};
