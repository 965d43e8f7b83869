import { type Page } from '@webstream/contracts';
import { useState, type FormEvent } from 'react';
import { session } from '../../api/http';
import { Link } from '../../shell/Link';
import { errorText, listPage } from '../api';
import { pageCount } from '../query';
import { useAnnounce } from './announce';
import { ConfirmDialog } from './ConfirmDialog';
import { type Column, DataTable } from './DataTable';
import { capitalise, useFocusOnMount, useLoad } from './hooks';
import { type Lookups } from './lookups';
import { type ResourceSpec, type Identified } from './resource-spec';

const PAGE_SIZE = 25;

/** A collection's list: search, the organization filter, a page of records with their actions. */
export function ResourceList<Item extends Identified, Create, Update>(props: {
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

      <DataTable
        caption={spec.title}
        rows={data?.items}
        rowKey={(item) => item.id}
        busy={list.loading}
        empty={q ? `No ${spec.title.toLowerCase()} match “${q}”.` : `No ${spec.title.toLowerCase()} yet.`}
        columns={[
          ...spec.columns.map((column, index): Column<Item> => ({
            header: column.header,
            cell:
              index === 0
                ? (item) => (
                    <Link href={`/admin/${spec.section}/${encodeURIComponent(item.id)}`}>
                      {column.value(item, lookups.nameOf) || item.id}
                    </Link>
                  )
                : (item) => column.value(item, lookups.nameOf),
          })),
          ...(showOrg
            ? [
                {
                  header: 'Organization',
                  cell: (item: Item) => lookups.nameOf('organizations', item.orgId),
                },
              ]
            : []),
          {
            header: 'Actions',
            hiddenHeader: true,
            className: 'admin-row-actions',
            cell: (item) => {
              const name = spec.describe(item, lookups.nameOf);
              return (
                <>
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
                </>
              );
            },
          },
        ]}
      />

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
