import { type FormValues } from '../kit/form-values';
import { type FieldSpec, type FormContext } from '../kit/resource-spec';

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

export const withOrg = (context: FormContext): FormValues =>
  context.mode === 'create' && context.platformAdmin ? { orgId: '' } : {};

export const day = (iso: string | null): string => (iso === null ? '—' : iso.slice(0, 10));
