import { type Page } from '@webstream/contracts';
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode, type RefObject } from 'react';
import { ApiError, session } from '../../api/http';
import { Link } from '../../shell/Link';
import { matchPath, navigate } from '../../shell/router';
import { errorText, listPage } from '../api';
import { pageCount } from '../query';
import { useAnnounce } from './announce';
import { ConfirmDialog } from './ConfirmDialog';
import { Field } from './Field';
import { mapFieldErrors, patchOf, type FieldErrors, type FormValue, type FormValues } from './form-values';
import { useLoad } from './hooks';
import { useLookups, type Lookups } from './lookups';
import { type FieldSpec, type FormContext, type RefSource, type ResourceSpec } from './resource-spec';

export interface Identified {
  id: string;
  orgId?: string;
}

const PAGE_SIZE = 25;

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** Moves focus to a page's heading when it opens, so that keyboard and screen reader users start there. */
export function useFocusOnMount<T extends HTMLElement>(): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus({ preventScroll: true }), []);
  return ref;
}

/**
 * The pages of one IAM collection under /admin/<section>: the list, /new and /<id>. `extra` adds a part
 * below a record's form (a group's members).
 */
export function ResourcePages<Item extends Identified, Create, Update>(props: {
  spec: ResourceSpec<Item, Create, Update>;
  path: string;
  platformAdmin: boolean;
  userOrgId: string;
  extra?: (item: Item) => ReactNode;
}) {
  const { spec, path, platformAdmin } = props;
  const refs = useMemo<RefSource[]>(
    () => (platformAdmin ? [...spec.refs] : spec.refs.filter((source) => source !== 'organizations')),
    [spec.refs, platformAdmin],
  );
  const lookups = useLookups(refs);
  const base = `/admin/${spec.section}`;
  if (matchPath(`${base}/new`, path)) {
    return <ResourceForm key="new" {...props} lookups={lookups} />;
  }
  const editId = matchPath(`${base}/:id`, path)?.['id'];
  if (editId !== undefined) return <ResourceForm key={editId} {...props} id={editId} lookups={lookups} />;
  return <ResourceList spec={spec} platformAdmin={platformAdmin} lookups={lookups} />;
}

// ------------------------------------------------------------------------------------------------ list

function ResourceList<Item extends Identified, Create, Update>(props: {
  spec: ResourceSpec<Item, Create, Update>;
  platformAdmin: boolean;
  lookups: Lookups;
}) {
  const { spec, lookups } = props;
  const announce = useAnnounce();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [orgId, setOrgId] = useState('');
  const [page, setPage] = useState(1);
  const [deleting, setDeleting] = useState<Item | undefined>();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>();
  const showOrg = props.platformAdmin && spec.section !== 'organizations';

  const query = {
    page,
    pageSize: PAGE_SIZE,
    q: spec.searchable ? q || undefined : undefined,
    orgId: orgId || undefined,
  };
  const list = useLoad((signal) => listPage<Item>(spec.routes.list, query, signal), JSON.stringify(query));
  const data: Page<Item> | undefined = list.data;
  const pages = data ? pageCount(data.total, data.pageSize) : 1;

  const onSearch = (event: FormEvent): void => {
    event.preventDefault();
    setPage(1);
    setQ(search.trim());
  };

  const remove = async (item: Item): Promise<void> => {
    setBusy(true);
    setActionError(undefined);
    try {
      await session.call(spec.routes.remove, { params: { id: item.id } });
      announce(`${capitalise(spec.singular)} ${spec.describe(item, lookups.nameOf)} deleted.`);
      setDeleting(undefined);
      if (data && data.items.length === 1 && page > 1) setPage(page - 1);
      else list.reload();
    } catch (error) {
      setDeleting(undefined);
      setActionError(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="admin-page" aria-labelledby={`${spec.section}-heading`}>
      <div className="admin-page-head">
        <h1 id={`${spec.section}-heading`} ref={heading} tabIndex={-1}>
          {spec.title}
        </h1>
        <Link className="button primary" href={`/admin/${spec.section}/new`}>
          New {spec.singular}
        </Link>
      </div>

      {(spec.searchable || showOrg) && (
        <form
          role="search"
          aria-label={`Search ${spec.title.toLowerCase()}`}
          className="admin-toolbar"
          onSubmit={onSearch}
        >
          {spec.searchable && (
            <div className="admin-field">
              <label htmlFor={`${spec.section}-q`}>Search</label>
              <input
                id={`${spec.section}-q`}
                type="search"
                value={search}
                onChange={(event) => setSearch(event.target.value)}
              />
            </div>
          )}
          {showOrg && (
            <div className="admin-field">
              <label htmlFor={`${spec.section}-org`}>Organization filter</label>
              <select
                id={`${spec.section}-org`}
                value={orgId}
                onChange={(event) => {
                  setOrgId(event.target.value);
                  setPage(1);
                }}
              >
                <option value="">All organizations</option>
                {lookups.options('organizations').map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
            </div>
          )}
          {spec.searchable && <button type="submit">Search</button>}
        </form>
      )}

      {list.error && (
        <p role="alert" className="error">
          Could not load {spec.title.toLowerCase()}: {list.error}
        </p>
      )}
      {actionError && (
        <p role="alert" className="error">
          {actionError}
        </p>
      )}

      <div className="admin-table-wrap">
        <table className="admin-table" aria-busy={list.loading}>
          <caption>{spec.title}</caption>
          <thead>
            <tr>
              {spec.columns.map((column) => (
                <th key={column.header} scope="col">
                  {column.header}
                </th>
              ))}
              {showOrg && <th scope="col">Organization</th>}
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.items.map((item) => {
              const name = spec.describe(item, lookups.nameOf);
              return (
                <tr key={item.id}>
                  {spec.columns.map((column, index) =>
                    index === 0 ? (
                      <th key={column.header} scope="row">
                        <Link href={`/admin/${spec.section}/${encodeURIComponent(item.id)}`}>
                          {column.value(item, lookups.nameOf) || item.id}
                        </Link>
                      </th>
                    ) : (
                      <td key={column.header}>{column.value(item, lookups.nameOf)}</td>
                    ),
                  )}
                  {showOrg && <td>{lookups.nameOf('organizations', item.orgId)}</td>}
                  <td className="admin-row-actions">
                    <Link
                      href={`/admin/${spec.section}/${encodeURIComponent(item.id)}`}
                      aria-label={`Edit ${name}`}
                    >
                      Edit
                    </Link>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete ${name}`}
                      onClick={() => setDeleting(item)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
            {data && data.items.length === 0 && (
              <tr>
                <td colSpan={spec.columns.length + (showOrg ? 2 : 1)}>
                  {q ? `No ${spec.title.toLowerCase()} match “${q}”.` : `No ${spec.title.toLowerCase()} yet.`}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>

      <nav className="admin-pager" aria-label={`${spec.title} pages`}>
        <button type="button" disabled={page <= 1 || list.loading} onClick={() => setPage(page - 1)}>
          Previous page
        </button>
        <span>
          Page {data?.page ?? page} of {pages}
          {data ? ` · ${data.total} ${data.total === 1 ? spec.singular : spec.title.toLowerCase()}` : ''}
        </span>
        <button type="button" disabled={page >= pages || list.loading} onClick={() => setPage(page + 1)}>
          Next page
        </button>
      </nav>

      {deleting && (
        <ConfirmDialog
          title={`Delete ${spec.singular}?`}
          message={`Delete ${spec.singular} ${spec.describe(deleting, lookups.nameOf)}? This cannot be undone.`}
          confirmLabel="Delete"
          busy={busy}
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(undefined)}
        />
      )}
    </section>
  );
}

// ------------------------------------------------------------------------------------------------ form

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

function ResourceForm<Item extends Identified, Create, Update>(props: {
  spec: ResourceSpec<Item, Create, Update>;
  platformAdmin: boolean;
  userOrgId: string;
  lookups: Lookups;
  id?: string;
  extra?: (item: Item) => ReactNode;
}) {
  const { spec, lookups, id } = props;
  const announce = useAnnounce();
  const context: FormContext = {
    mode: id === undefined ? 'create' : 'edit',
    platformAdmin: props.platformAdmin,
  };
  const fields = spec.fields(context);
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
        fields.map((field) => field.name),
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
