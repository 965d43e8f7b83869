import {
  createApplicationSchema,
  createGroupSchema,
  createOrganizationSchema,
  createPolicySchema,
  createUserSchema,
  createWorkspaceSchema,
  updateApplicationSchema,
  updateGroupSchema,
  updateOrganizationSchema,
  updatePolicySchema,
  updateUserSchema,
  updateWorkspaceSchema,
} from '@webstream/contracts';
import { describe, expect, it } from 'vitest';
import { type FormValues } from '../../src/admin/kit/form-values';
import { type FieldSpec, type FormContext } from '../../src/admin/kit/resource-spec';
import {
  applicationsSpec,
  groupsSpec,
  organizationsSpec,
  policiesSpec,
  usersSpec,
  workspacesSpec,
} from '../../src/admin/resources';

interface Body {
  safeParse(body: unknown): { error?: { issues: { path: PropertyKey[] }[] } };
}

interface Form {
  section: string;
  fields(context: FormContext): FieldSpec[];
  empty(context: FormContext): FormValues;
  toCreate(values: FormValues, context: FormContext): unknown;
  toUpdate(values: FormValues): unknown;
}

/** Each collection's form, and the contract's schemas the API checks the bodies it builds with. */
const collections: readonly (readonly [Form, Body, Body])[] = [
  [organizationsSpec, createOrganizationSchema, updateOrganizationSchema],
  [usersSpec, createUserSchema, updateUserSchema],
  [groupsSpec, createGroupSchema, updateGroupSchema],
  [applicationsSpec, createApplicationSchema, updateApplicationSchema],
  [policiesSpec, createPolicySchema, updatePolicySchema],
  [workspacesSpec, createWorkspaceSchema, updateWorkspaceSchema],
];

/** Whether the API refuses the body the form builds with `value` in `field`, for that field. */
function refused(
  form: Form,
  schemas: { create: Body; update: Body },
  context: FormContext,
  field: FieldSpec,
  value: string,
) {
  const values = { ...form.empty(context), [field.name]: value };
  const [schema, body] =
    context.mode === 'create'
      ? [schemas.create, form.toCreate(values, context)]
      : [schemas.update, form.toUpdate(values)];
  const issues = schema.safeParse(JSON.parse(JSON.stringify(body))).error?.issues ?? [];
  return issues.some((issue) => issue.path.join('.') === field.name);
}

describe('form limits', () => {
  it('are the very bounds the contract’s schemas hold each field to, on create and on edit', () => {
    const checked = new Set<string>();
    for (const [form, create, update] of collections) {
      for (const mode of ['create', 'edit'] as const) {
        const context = { mode, platformAdmin: false };
        for (const field of form.fields(context)) {
          const check = (value: string, expected: boolean) =>
            expect(
              refused(form, { create, update }, context, field, value),
              `${field.name} = ${value.length > 20 ? `${value.length} characters` : value}`,
            ).toBe(expected);
          if ('maxLength' in field && field.maxLength !== undefined) {
            check('x'.repeat(field.maxLength), false);
            check('x'.repeat(field.maxLength + 1), true);
            checked.add(`${form.section} ${field.name} maxLength`);
          }
          if ('min' in field && field.min !== undefined) {
            check(String(field.min), false);
            check(String(field.min - 1), true);
            checked.add(`${form.section} ${field.name} min`);
          }
          if ('max' in field && field.max !== undefined) {
            check(String(field.max), false);
            check(String(field.max + 1), true);
            checked.add(`${form.section} ${field.name} max`);
          }
        }
      }
    }
    // Every limit the forms had when they were typed in by hand is still there.
    expect([...checked].sort()).toEqual(
      [
        'applications description maxLength',
        'applications name maxLength',
        'groups description maxLength',
        'groups name maxLength',
        'organizations name maxLength',
        'policies description maxLength',
        'policies name maxLength',
        'policies rules.clipboard.maxBytes max',
        'policies rules.clipboard.maxBytes min',
        'policies rules.idleTimeoutSeconds min',
        'policies rules.maxSessionSeconds min',
        'policies rules.sessionWarningSeconds min',
        'policies rules.video.maxBitrateKbps min',
        'policies rules.watermark.text maxLength',
        'users displayName maxLength',
        'workspaces description maxLength',
        'workspaces maxSessions max',
        'workspaces maxSessions min',
        'workspaces name maxLength',
      ].sort(),
    );
  });

  it('tells a new user the password length the contract asks for', () => {
    const password = usersSpec
      .fields({ mode: 'create', platformAdmin: false })
      .find((field) => field.name === 'password');
    const minimum = Number(/At least (\d+) characters/.exec(password?.hint ?? '')?.[1]);
    const accepts = (length: number) =>
      !createUserSchema.shape.password.safeParse('abcdefghijklmnopqrstuvwxyz'.repeat(10).slice(0, length))
        .error;
    expect(accepts(minimum)).toBe(true);
    expect(accepts(minimum - 1)).toBe(false);
  });
});
