import { type FormValues } from '../kit/form-values';
import { type FieldSpec, type FormContext } from '../kit/resource-spec';
import { type LengthChecked, maxLengthOf } from './limits';

/** The organization select a platform admin gets on a create form (everyone else creates in their own). */
export function organizationField(context: FormContext): FieldSpec[] {
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

/** A record's required name, as long as its contract allows. */
export const nameField = (schema: LengthChecked): FieldSpec => ({
  name: 'name',
  label: 'Name',
  kind: 'text',
  required: true,
  maxLength: maxLengthOf(schema),
});

/** A record's free-text description, as long as its contract allows. */
export const descriptionField = (schema: LengthChecked): FieldSpec => ({
  name: 'description',
  label: 'Description',
  kind: 'textarea',
  maxLength: maxLengthOf(schema),
});

export const withOrg = (context: FormContext): FormValues =>
  context.mode === 'create' && context.platformAdmin ? { orgId: '' } : {};

export const day = (iso: string | null): string => (iso === null ? '—' : iso.slice(0, 10));
