import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, session } from '../../api/http';
import { Link } from '../../shell/Link';
import { navigate } from '../../shell/router';
import { errorText } from '../api';
import { useAnnounce } from './announce';
import { ConfirmDialog } from './ConfirmDialog';
import { Field } from './Field';
import { mapFieldErrors, patchOf, type FieldErrors, type FormValue, type FormValues } from './form-values';
import { capitalise, useFocusOnMount, useLoad } from './hooks';
import { type Lookups } from './lookups';
import { type FieldSpec, type FormContext, type ResourceSpec, type Identified } from './resource-spec';

interface FormSection {
  legend: string | undefined;
  fields: FieldSpec[];
}

/** Consecutive fields with the same section, in order: the fieldsets of a form. */
function sectionsOf(fields: readonly FieldSpec[]): FormSection[] {
  const sections: FormSection[] = [];
  for (const field of fields) {
    const last = sections.at(-1);
    if (last && last.legend === field.section) last.fields.push(field);
    else sections.push({ legend: field.section, fields: [field] });
  }
  return sections;
}

/** What a form part gets to edit the form's values with. */
export interface FormPartProps {
  values: FormValues;
  setValue: (name: string, value: FormValue) => void;
  /** The API's messages, by the form's field names. */
  errors: Readonly<Record<string, string>>;
  disabled: boolean;
  /** The record's organization, when known: references are offered from it only. */
  orgId: string | undefined;
  lookups: Lookups;
}

/** A part of a record's form that its fields cannot express (rows of pairs …), shown after them. */
export interface FormPart {
  /** The API field names it edits, so that the API's messages about them land on it. */
  names: readonly string[];
  render: (props: FormPartProps) => ReactNode;
}

/** A record's form: /new creates one, /<id> edits or deletes it. */
export function ResourceForm<Item extends Identified, Create, Update>(props: {
  spec: ResourceSpec<Item, Create, Update>;
  platformAdmin: boolean;
  userOrgId: string;
  lookups: Lookups;
  id?: string;
  extra?: (item: Item) => ReactNode;
  formPart?: FormPart;
}) {
  const { spec, lookups, id } = props;
  const announce = useAnnounce();
  const context: FormContext = {
    mode: id === undefined ? 'create' : 'edit',
    platformAdmin: props.platformAdmin,
  };
  const listPath = `/admin/${spec.section}`;

  const loaded = useLoad(
    (signal) =>
      id === undefined
        ? Promise.resolve(undefined)
        : (session.call(spec.routes.get, { params: { id } }, { signal }) as Promise<Item>),
    id ?? 'new',
  );
  const item = loaded.data;
  const [values, setValues] = useState<FormValues | undefined>(() =>
    id === undefined ? spec.empty(context) : undefined,
  );
  const [initial, setInitial] = useState<FormValues | undefined>();
  const [errors, setErrors] = useState<FieldErrors>({ byField: {}, other: [] });
  const [saving, setSaving] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const fields = spec.fields(context, values);

  useEffect(() => {
    if (item !== undefined) {
      const fromItem = spec.fromItem(item);
      setValues(fromItem);
      setInitial(fromItem);
    }
  }, [item, spec]);

  const orgId =
    id === undefined
      ? (typeof values?.['orgId'] === 'string' && values['orgId']) || props.userOrgId
      : item?.orgId;

  const setValue = (name: string, value: FormValue): void =>
    setValues((previous) => ({ ...previous, [name]: value }));

  const title =
    id === undefined
      ? `New ${spec.singular}`
      : `Edit ${spec.singular}${item ? ` ${spec.describe(item, lookups.nameOf)}` : ''}`;

  const fail = (error: unknown): void => {
    if (error instanceof ApiError) {
      const mapped = mapFieldErrors(
        error.fields,
        [...fields.map((field) => field.name), ...(props.formPart?.names ?? [])],
        error.fields.length === 0 ? errorText(error) : undefined,
      );
      if (error.fields.length > 0 && mapped.other.length === 0 && Object.keys(mapped.byField).length === 0) {
        mapped.other.push(error.message);
      }
      setErrors(mapped);
      // The first field the API named gets focus, so that its message is read out.
      const first = fields.find((field) => mapped.byField[field.name] !== undefined);
      if (first) {
        requestAnimationFrame(() =>
          (formRef.current?.elements.namedItem(first.name) as HTMLElement | null)?.focus(),
        );
      }
    } else {
      setErrors({ byField: {}, other: [errorText(error)] });
    }
  };

  const save = async (): Promise<void> => {
    if (values === undefined) return;
    setErrors({ byField: {}, other: [] });
    setSaving(true);
    try {
      if (id === undefined) {
        const created = (await session.call(spec.routes.create, {
          body: spec.toCreate(values, context),
        })) as Item;
        announce(`${capitalise(spec.singular)} ${spec.describe(created, lookups.nameOf)} created.`);
        lookups.reload();
        navigate(listPath);
      } else {
        const patch = patchOf(spec.toUpdate(values) as object, spec.toUpdate(initial ?? values) as object);
        if (Object.keys(patch).length === 0) {
          announce('Nothing changed.');
          return;
        }
        const saved = (await session.call(spec.routes.update, {
          params: { id },
          body: patch,
        })) as Item;
        announce(`${capitalise(spec.singular)} ${spec.describe(saved, lookups.nameOf)} saved.`);
        navigate(listPath);
      }
    } catch (error) {
      fail(error);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (): Promise<void> => {
    if (id === undefined || item === undefined) return;
    setSaving(true);
    try {
      await session.call(spec.routes.remove, { params: { id } });
      setConfirming(false);
      announce(`${capitalise(spec.singular)} ${spec.describe(item, lookups.nameOf)} deleted.`);
      navigate(listPath);
    } catch (error) {
      setConfirming(false);
      setErrors({ byField: {}, other: [errorText(error)] });
    } finally {
      setSaving(false);
    }
  };

  const formId = `${spec.section}-form`;
  return (
    <section className="admin-page" aria-labelledby={`${formId}-heading`}>
      <p className="admin-breadcrumb">
        <Link href={listPath}>{spec.title}</Link>
      </p>
      <h1 id={`${formId}-heading`} ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {loaded.error && (
        <p role="alert" className="error">
          Could not load the {spec.singular}: {loaded.error}
        </p>
      )}
      {values !== undefined && (
        <form
          ref={formRef}
          className="admin-form card"
          noValidate
          aria-labelledby={`${formId}-heading`}
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <div role="alert" className="admin-form-errors">
            {errors.other.length > 0 && (
              <ul className="error">
                {errors.other.map((message) => (
                  <li key={message}>{message}</li>
                ))}
              </ul>
            )}
            {Object.keys(errors.byField).length > 0 && errors.other.length === 0 && (
              <p className="error">Please correct the fields marked below.</p>
            )}
          </div>
          {sectionsOf(fields).map((section, index) => {
            const controls = section.fields.map((field) => (
              <Field
                key={field.name}
                field={field}
                idPrefix={formId}
                value={values[field.name]}
                error={errors.byField[field.name]}
                sourceOptions={
                  field.kind === 'select' || field.kind === 'multiselect'
                    ? field.source
                      ? lookups.options(field.source)
                      : []
                    : []
                }
                orgId={field.name === 'orgId' ? undefined : orgId}
                disabled={saving}
                onChange={(value) => setValue(field.name, value)}
              />
            ));
            return section.legend === undefined ? (
              <div key={index}>{controls}</div>
            ) : (
              <fieldset key={index} className="admin-fieldset">
                <legend>{section.legend}</legend>
                {controls}
              </fieldset>
            );
          })}
          {props.formPart?.render({
            values,
            setValue,
            errors: errors.byField,
            disabled: saving,
            orgId,
            lookups,
          })}
          <div className="admin-actions">
            <button type="submit" disabled={saving}>
              Save
            </button>
            <Link className="button" href={listPath}>
              Cancel
            </Link>
            {id !== undefined && item !== undefined && (
              <button type="button" className="danger" disabled={saving} onClick={() => setConfirming(true)}>
                Delete {spec.singular}
              </button>
            )}
          </div>
        </form>
      )}
      {item !== undefined && props.extra?.(item)}
      {confirming && item !== undefined && (
        <ConfirmDialog
          title={`Delete ${spec.singular}?`}
          message={`Delete ${spec.singular} ${spec.describe(item, lookups.nameOf)}? This cannot be undone.`}
          confirmLabel="Delete"
          busy={saving}
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
