import {
  applicationRoutes,
  entitlementRoutes,
  groupRoutes,
  organizationRoutes,
  policyRoutes,
  userRoutes,
  workspaceRoutes,
  defaultPolicy,
  defaultVideoPolicy,
  type Application,
  type CreateApplication,
  type CreateEntitlement,
  type CreateGroup,
  type CreateOrganization,
  type CreatePolicy,
  type CreateUser,
  type CreateWorkspace,
  type Entitlement,
  type Group,
  type Organization,
  type Policy,
  type UpdateApplication,
  type UpdateEntitlement,
  type UpdateGroup,
  type UpdateOrganization,
  type UpdatePolicy,
  type UpdateUser,
  type UpdateWorkspace,
  type User,
  type UserRole,
  type Workspace,
  type WorkspacePolicy,
} from '@webstream/contracts';
import {
  boolOf,
  formatTags,
  listOf,
  nullableText,
  numberOf,
  numberOrNull,
  optionalText,
  parseTags,
  rawText,
  textOf,
  type FormValues,
} from './kit/form-values';
import { type FieldSpec, type FormContext, type Option, type ResourceSpec } from './kit/resource-spec';

/** The organization select a platform admin gets on a create form (everyone else creates in their own). */
function organizationField(context: FormContext): FieldSpec[] {
  return context.mode === 'create' && context.platformAdmin
    ? [
        {
          name: 'orgId',
          label: 'Organization',
          kind: 'select',
          source: 'organizations',
          empty: 'My organization',
        },
      ]
    : [];
}

const withOrg = (context: FormContext): FormValues =>
  context.mode === 'create' && context.platformAdmin ? { orgId: '' } : {};

const day = (iso: string | null): string => (iso === null ? '—' : iso.slice(0, 10));

// ---------------------------------------------------------------------------------------------- organizations

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
    { name: 'name', label: 'Name', kind: 'text', required: true, maxLength: 128 },
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

// ---------------------------------------------------------------------------------------------- users

export const ROLE_LABELS: Record<UserRole, string> = {
  user: 'User',
  'org-admin': 'Organization admin',
  'platform-admin': 'Platform admin',
};

export function roleOf(values: FormValues): UserRole {
  const role = textOf(values, 'role');
  return role === 'org-admin' || role === 'platform-admin' ? role : 'user';
}

function roleOptions(context: FormContext): Option[] {
  const roles: UserRole[] = context.platformAdmin
    ? ['user', 'org-admin', 'platform-admin']
    : ['user', 'org-admin'];
  return roles.map((role) => ({ value: role, label: ROLE_LABELS[role] }));
}

export const usersSpec: ResourceSpec<User, CreateUser, UpdateUser> = {
  section: 'users',
  title: 'Users',
  singular: 'user',
  routes: userRoutes,
  searchable: true,
  refs: ['organizations'],
  columns: [
    { header: 'User name', value: (item) => item.username },
    { header: 'Display name', value: (item) => item.displayName },
    { header: 'Email', value: (item) => item.email ?? '' },
    { header: 'Role', value: (item) => ROLE_LABELS[item.role] },
    { header: 'Status', value: (item) => (item.disabled ? 'Disabled' : 'Active') },
    { header: 'Last sign-in', value: (item) => day(item.lastLoginAt) },
  ],
  fields: (context) => [
    ...organizationField(context),
    ...(context.mode === 'create'
      ? [
          {
            name: 'username',
            label: 'User name',
            kind: 'text',
            required: true,
            autoComplete: 'off',
          } satisfies FieldSpec,
        ]
      : []),
    {
      name: 'password',
      label: 'Password',
      kind: 'password',
      required: context.mode === 'create',
      autoComplete: 'new-password',
      hint:
        context.mode === 'create'
          ? 'At least 12 characters.'
          : 'Leave empty to keep the current password; at least 12 characters.',
    },
    { name: 'displayName', label: 'Display name', kind: 'text', maxLength: 256 },
    { name: 'email', label: 'Email', kind: 'email', autoComplete: 'off' },
    { name: 'role', label: 'Role', kind: 'select', options: roleOptions(context) },
    { name: 'disabled', label: 'Disabled', kind: 'checkbox', hint: 'A disabled user cannot sign in.' },
  ],
  empty: (context) => ({
    ...withOrg(context),
    username: '',
    password: '',
    displayName: '',
    email: '',
    role: 'user',
    disabled: false,
  }),
  fromItem: (item) => ({
    password: '',
    displayName: item.displayName,
    email: item.email ?? '',
    role: item.role,
    disabled: item.disabled,
  }),
  toCreate: (values) => ({
    orgId: optionalText(values, 'orgId'),
    username: textOf(values, 'username'),
    password: rawText(values, 'password'),
    email: optionalText(values, 'email'),
    displayName: optionalText(values, 'displayName'),
    role: roleOf(values),
    disabled: boolOf(values, 'disabled'),
  }),
  toUpdate: (values) => ({
    password: rawText(values, 'password') === '' ? undefined : rawText(values, 'password'),
    email: nullableText(values, 'email'),
    displayName: textOf(values, 'displayName'),
    role: roleOf(values),
    disabled: boolOf(values, 'disabled'),
  }),
  describe: (item) => item.username,
};

// ---------------------------------------------------------------------------------------------- groups

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
    { name: 'name', label: 'Name', kind: 'text', required: true, maxLength: 128 },
    { name: 'description', label: 'Description', kind: 'textarea', maxLength: 2000 },
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

// ---------------------------------------------------------------------------------------------- applications

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
    { name: 'name', label: 'Name', kind: 'text', required: true, maxLength: 128 },
    {
      name: 'exe',
      label: 'Executable',
      kind: 'text',
      required: true,
      hint: 'The program the session host starts, e.g. notepad.exe or /usr/bin/gedit.',
    },
    { name: 'args', label: 'Arguments', kind: 'text' },
    { name: 'description', label: 'Description', kind: 'textarea', maxLength: 2000 },
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

// ---------------------------------------------------------------------------------------------- policies

/** The policy form's rule fields, named by their path in the policy body. */
export function rulesFromValues(values: FormValues): WorkspacePolicy {
  const watermarkText = optionalText(values, 'rules.watermark.text');
  return {
    clipboard: {
      inbound: boolOf(values, 'rules.clipboard.inbound'),
      outbound: boolOf(values, 'rules.clipboard.outbound'),
      maxBytes: numberOf(values, 'rules.clipboard.maxBytes'),
    },
    fileTransfer: {
      upload: boolOf(values, 'rules.fileTransfer.upload'),
      download: boolOf(values, 'rules.fileTransfer.download'),
    },
    printing: boolOf(values, 'rules.printing'),
    inputAllowed: boolOf(values, 'rules.inputAllowed'),
    idleTimeoutSeconds: numberOf(values, 'rules.idleTimeoutSeconds'),
    maxSessionSeconds: numberOf(values, 'rules.maxSessionSeconds'),
    sessionWarningSeconds: numberOf(values, 'rules.sessionWarningSeconds'),
    watermark: {
      enabled: boolOf(values, 'rules.watermark.enabled'),
      ...(watermarkText === undefined ? {} : { text: watermarkText }),
    },
    audio: boolOf(values, 'rules.audio'),
    video: {
      // JPEG stays as the fallback for browsers without WebCodecs.
      codecs: boolOf(values, 'rules.video.h264') ? ['h264', 'jpeg'] : ['jpeg'],
      maxBitrateKbps: numberOf(values, 'rules.video.maxBitrateKbps'),
    },
    ...sandboxOf(values),
  };
}

/**
 * The sandbox settings as JSON (empty: the session host's defaults). What is not JSON goes to the API as it is,
 * whose 400 then lands on the field.
 */
function sandboxOf(values: FormValues): Pick<WorkspacePolicy, 'sandbox'> {
  const text = textOf(values, 'rules.sandbox');
  if (text === '') return {};
  let sandbox: unknown = text;
  try {
    sandbox = JSON.parse(text);
  } catch {
    // left as text: the API names the field
  }
  return { sandbox: sandbox as WorkspacePolicy['sandbox'] };
}

export function valuesFromRules(rules: WorkspacePolicy): FormValues {
  return {
    'rules.clipboard.inbound': rules.clipboard.inbound,
    'rules.clipboard.outbound': rules.clipboard.outbound,
    'rules.clipboard.maxBytes': String(rules.clipboard.maxBytes),
    'rules.fileTransfer.upload': rules.fileTransfer.upload,
    'rules.fileTransfer.download': rules.fileTransfer.download,
    'rules.printing': rules.printing,
    'rules.inputAllowed': rules.inputAllowed,
    'rules.idleTimeoutSeconds': String(rules.idleTimeoutSeconds),
    'rules.maxSessionSeconds': String(rules.maxSessionSeconds),
    'rules.sessionWarningSeconds': String(rules.sessionWarningSeconds),
    'rules.watermark.enabled': rules.watermark.enabled,
    'rules.watermark.text': rules.watermark.text ?? '',
    'rules.audio': rules.audio,
    'rules.video.h264': (rules.video ?? defaultVideoPolicy).codecs.includes('h264'),
    'rules.video.maxBitrateKbps': String((rules.video ?? defaultVideoPolicy).maxBitrateKbps),
    'rules.sandbox': rules.sandbox === undefined ? '' : JSON.stringify(rules.sandbox, null, 2),
  };
}

const onOff = (value: boolean): string => (value ? 'on' : 'off');

export const policiesSpec: ResourceSpec<Policy, CreatePolicy, UpdatePolicy> = {
  section: 'policies',
  title: 'Policies',
  singular: 'policy',
  routes: policyRoutes,
  searchable: true,
  refs: ['organizations'],
  columns: [
    { header: 'Name', value: (item) => item.name },
    { header: 'Description', value: (item) => item.description },
    {
      header: 'Clipboard',
      value: (item) =>
        `in ${onOff(item.rules.clipboard.inbound)}, out ${onOff(item.rules.clipboard.outbound)}`,
    },
    { header: 'Input', value: (item) => (item.rules.inputAllowed ? 'Allowed' : 'View only') },
    {
      header: 'Idle timeout',
      value: (item) => (item.rules.idleTimeoutSeconds === 0 ? 'None' : `${item.rules.idleTimeoutSeconds} s`),
    },
  ],
  fields: (context) => [
    ...organizationField(context),
    { name: 'name', label: 'Name', kind: 'text', required: true, maxLength: 128 },
    { name: 'description', label: 'Description', kind: 'textarea', maxLength: 2000 },
    {
      name: 'rules.clipboard.inbound',
      label: 'Clipboard inbound',
      kind: 'checkbox',
      section: 'Clipboard',
      hint: 'Paste into the session.',
    },
    {
      name: 'rules.clipboard.outbound',
      label: 'Clipboard outbound',
      kind: 'checkbox',
      section: 'Clipboard',
      hint: 'Copy out of the session.',
    },
    {
      name: 'rules.clipboard.maxBytes',
      label: 'Clipboard max bytes',
      kind: 'number',
      min: 1,
      max: 64 * 1024 * 1024,
      section: 'Clipboard',
    },
    { name: 'rules.fileTransfer.upload', label: 'File upload', kind: 'checkbox', section: 'File transfer' },
    {
      name: 'rules.fileTransfer.download',
      label: 'File download',
      kind: 'checkbox',
      section: 'File transfer',
    },
    { name: 'rules.printing', label: 'Printing', kind: 'checkbox', section: 'Session' },
    {
      name: 'rules.inputAllowed',
      label: 'Input allowed',
      kind: 'checkbox',
      section: 'Session',
      hint: 'Off: view only.',
    },
    { name: 'rules.audio', label: 'Audio', kind: 'checkbox', section: 'Session' },
    {
      name: 'rules.idleTimeoutSeconds',
      label: 'Idle timeout seconds',
      kind: 'number',
      min: 0,
      section: 'Time limits',
      hint: '0: no idle timeout.',
    },
    {
      name: 'rules.maxSessionSeconds',
      label: 'Max session seconds',
      kind: 'number',
      min: 0,
      section: 'Time limits',
      hint: '0: no maximum.',
    },
    {
      name: 'rules.sessionWarningSeconds',
      label: 'Session warning seconds',
      kind: 'number',
      min: 0,
      section: 'Time limits',
      hint: 'How long before a limit the user is warned.',
    },
    {
      name: 'rules.video.h264',
      label: 'H.264',
      kind: 'checkbox',
      section: 'Picture',
      hint: 'Off: JPEG only (several times the bandwidth).',
    },
    {
      name: 'rules.video.maxBitrateKbps',
      label: 'H.264 bitrate cap (kbit/s)',
      kind: 'number',
      min: 200,
      section: 'Picture',
    },
    {
      name: 'rules.sandbox',
      label: 'Sandbox (JSON)',
      kind: 'textarea',
      section: 'Sandbox',
      hint: 'limits (memoryMb, cpus, processes, openFiles, homeDiskMb), network (host | none), home (persistent | ephemeral). Empty: the session host’s settings.',
    },
    { name: 'rules.watermark.enabled', label: 'Watermark', kind: 'checkbox', section: 'Watermark' },
    {
      name: 'rules.watermark.text',
      label: 'Watermark text',
      kind: 'text',
      maxLength: 256,
      section: 'Watermark',
    },
  ],
  empty: (context) => ({ ...withOrg(context), name: '', description: '', ...valuesFromRules(defaultPolicy) }),
  fromItem: (item) => ({ name: item.name, description: item.description, ...valuesFromRules(item.rules) }),
  toCreate: (values) => ({
    orgId: optionalText(values, 'orgId'),
    name: textOf(values, 'name'),
    description: textOf(values, 'description'),
    rules: rulesFromValues(values),
  }),
  toUpdate: (values) => ({
    name: textOf(values, 'name'),
    description: textOf(values, 'description'),
    rules: rulesFromValues(values),
  }),
  describe: (item) => item.name,
};

// ---------------------------------------------------------------------------------------------- workspaces

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
    { name: 'name', label: 'Name', kind: 'text', required: true, maxLength: 128 },
    {
      name: 'type',
      label: 'Type',
      kind: 'select',
      options: [
        { value: 'app', label: 'App' },
        { value: 'desktop', label: 'Desktop' },
      ],
    },
    { name: 'description', label: 'Description', kind: 'textarea', maxLength: 2000 },
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
      min: 1,
      max: 100_000,
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

// ---------------------------------------------------------------------------------------------- entitlements

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
