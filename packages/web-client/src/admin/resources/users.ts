import {
  type CreateUser,
  createUserSchema,
  PASSWORD_MIN_LENGTH,
  type UpdateUser,
  type User,
  type UserRole,
  userRoutes,
} from '@webstream/contracts';
import { boolOf, type FormValues, nullableText, optionalText, rawText, textOf } from '../kit/form-values';
import { type FieldSpec, type FormContext, type Option, type ResourceSpec } from '../kit/resource-spec';
import { day, organizationField, withOrg } from './common';
import { maxLengthOf } from './limits';

const body = createUserSchema.shape;

const ROLE_LABELS: Record<UserRole, string> = {
  user: 'User',
  'org-admin': 'Organization admin',
  'platform-admin': 'Platform admin',
};

function roleOf(values: FormValues): UserRole {
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
          ? `At least ${PASSWORD_MIN_LENGTH} characters.`
          : `Leave empty to keep the current password; at least ${PASSWORD_MIN_LENGTH} characters.`,
    },
    {
      name: 'displayName',
      label: 'Display name',
      kind: 'text',
      maxLength: maxLengthOf(body.displayName.unwrap()),
    },
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
