import {
  type CreateWorkspace,
  createWorkspaceSchema,
  type UpdateWorkspace,
  type Workspace,
  workspaceRoutes,
} from '@webstream/contracts';
import {
  formatTags,
  type FormValues,
  listOf,
  nullableText,
  numberOrNull,
  optionalText,
  parseTags,
  textOf,
} from '../kit/form-values';
import { type ResourceSpec } from '../kit/resource-spec';
import { descriptionField, nameField, organizationField, withOrg } from './common';
import { maxOf, minOf } from './limits';

const body = createWorkspaceSchema.shape;
// Empty is null (no limit), and null the default.
const maxSessions = body.maxSessions.unwrap().unwrap();

export const workspacesSpec: ResourceSpec<Workspace, CreateWorkspace, UpdateWorkspace> = {
  section: 'workspaces',
  title: 'Workspaces',
  singular: 'workspace',
  routes: workspaceRoutes,
  searchable: true,
  refs: ['organizations', 'applications', 'policies'],
  columns: [
    { header: 'Name', value: (item) => item.name },
    { header: 'Type', value: (item) => (item.type === 'desktop' ? 'Desktop' : 'App') },
    {
      header: 'Applications',
      value: (item, nameOf) => item.applicationIds.map((id) => nameOf('applications', id)).join(', '),
    },
    {
      header: 'Policy',
      value: (item, nameOf) =>
        item.policyId === null ? 'Platform default' : nameOf('policies', item.policyId),
    },
    {
      header: 'Max sessions',
      value: (item) => (item.maxSessions === null ? 'No limit' : String(item.maxSessions)),
    },
    { header: 'Required tags', value: (item) => formatTags(item.requiredTags) },
  ],
  fields: (context) => [
    ...organizationField(context),
    nameField(body.name),
    {
      name: 'type',
      label: 'Type',
      kind: 'select',
      options: [
        { value: 'app', label: 'App' },
        { value: 'desktop', label: 'Desktop' },
      ],
    },
    descriptionField(body.description.unwrap()),
    {
      name: 'applicationIds',
      label: 'Applications',
      kind: 'multiselect',
      source: 'applications',
      required: true,
      hint: 'At least one; Ctrl-click (Cmd-click) or Shift+arrows to choose several.',
    },
    { name: 'policyId', label: 'Policy', kind: 'select', source: 'policies', empty: 'Platform default' },
    {
      name: 'maxSessions',
      label: 'Max sessions',
      kind: 'number',
      min: minOf(maxSessions),
      max: maxOf(maxSessions),
      hint: 'Empty: no limit.',
    },
    {
      name: 'requiredTags',
      label: 'Required tags',
      kind: 'text',
      hint: 'Session host tags, separated by commas or spaces (e.g. gpu, region=eu).',
    },
  ],
  empty: (context) => ({
    ...withOrg(context),
    name: '',
    type: 'app',
    description: '',
    applicationIds: [],
    policyId: '',
    maxSessions: '',
    requiredTags: '',
  }),
  fromItem: (item) => ({
    name: item.name,
    type: item.type,
    description: item.description,
    applicationIds: [...item.applicationIds],
    policyId: item.policyId ?? '',
    maxSessions: item.maxSessions === null ? '' : String(item.maxSessions),
    requiredTags: formatTags(item.requiredTags),
  }),
  toCreate: (values) => ({
    orgId: optionalText(values, 'orgId'),
    ...workspaceFields(values),
  }),
  toUpdate: (values) => workspaceFields(values),
  describe: (item) => item.name,
};

function workspaceFields(values: FormValues) {
  return {
    name: textOf(values, 'name'),
    type: textOf(values, 'type') === 'desktop' ? ('desktop' as const) : ('app' as const),
    description: textOf(values, 'description'),
    applicationIds: listOf(values, 'applicationIds'),
    policyId: nullableText(values, 'policyId'),
    maxSessions: numberOrNull(values, 'maxSessions'),
    requiredTags: parseTags(textOf(values, 'requiredTags')),
  };
}
