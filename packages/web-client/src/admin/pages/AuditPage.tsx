import { adminEngineRoutes, type AuditEntry } from '@webstream/contracts';
import { useState, type FormEvent } from 'react';
import { session } from '../../api/http';
import { compactQuery } from '../api';
import { useCsvDownload, useLoad } from '../kit/hooks';
import { type Column, DataTable } from '../kit/DataTable';
import { DayRangeFields, FilterField } from '../kit/FilterField';
import { LoadError } from '../kit/LoadError';
import { useFocusOnMount } from '../kit/hooks';
import {
  auditQuery,
  currentCursor,
  emptyAuditFilter,
  firstPage,
  nextPage,
  previousPage,
  type AuditFilter,
  type CursorTrail,
} from '../query';

const PAGE_SIZE = 50;

const FIELDS: {
  key: Exclude<keyof AuditFilter, 'fromDay' | 'toDay' | 'orgId'>;
  label: string;
  hint?: string;
}[] = [
  { key: 'actorId', label: 'Actor', hint: 'The id of the user who acted.' },
  { key: 'action', label: 'Action', hint: 'e.g. user.create' },
  { key: 'targetType', label: 'Target type', hint: 'e.g. user, workspace' },
  { key: 'targetId', label: 'Target ID' },
];

/** Audit search (auditSearchQuerySchema), entries with their before/after, cursor paging and CSV export. */
export function AuditPage(props: { platformAdmin: boolean }) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [draft, setDraft] = useState<AuditFilter>(emptyAuditFilter);
  const [filter, setFilter] = useState<AuditFilter>(emptyAuditFilter);
  const [trail, setTrail] = useState<CursorTrail>(firstPage);
  const csv = useCsvDownload();

  const query = auditQuery(filter, { cursor: currentCursor(trail), limit: PAGE_SIZE });
  const loaded = useLoad(
    (signal) => session.call(adminEngineRoutes.audit, { query: compactQuery(query) }, { signal }),
    JSON.stringify(query),
  );

  const search = (event: FormEvent): void => {
    event.preventDefault();
    setFilter(draft);
    setTrail(firstPage);
  };

  const entries = loaded.data?.items ?? [];
  const pageNumber = trail.cursors.length;
  return (
    <section className="admin-page" aria-labelledby="audit-heading">
      <div className="admin-page-head">
        <h1 id="audit-heading" ref={heading} tabIndex={-1}>
          Audit log
        </h1>
        <button
          type="button"
          disabled={csv.downloading}
          onClick={() =>
            void csv.download(
              adminEngineRoutes.audit.path,
              auditQuery(filter, { limit: 500 }),
              'audit-log.csv',
            )
          }
        >
          Download CSV
        </button>
      </div>
      <form role="search" aria-label="Search the audit log" className="admin-toolbar card" onSubmit={search}>
        {FIELDS.map((field) => (
          <FilterField
            key={field.key}
            id={`audit-${field.key}`}
            label={field.label}
            type="text"
            value={draft[field.key]}
            hint={field.hint}
            onChange={(value) => setDraft({ ...draft, [field.key]: value })}
          />
        ))}
        {props.platformAdmin && (
          <FilterField
            id="audit-orgId"
            label="Organization ID"
            type="text"
            value={draft.orgId}
            onChange={(orgId) => setDraft({ ...draft, orgId })}
          />
        )}
        <DayRangeFields idPrefix="audit" value={draft} onChange={setDraft} />
        <div className="admin-actions">
          <button type="submit">Search</button>
          <button
            type="button"
            onClick={() => {
              setDraft(emptyAuditFilter);
              setFilter(emptyAuditFilter);
              setTrail(firstPage);
            }}
          >
            Clear
          </button>
        </div>
      </form>

      {csv.error && (
        <p role="alert" className="error">
          {csv.error}
        </p>
      )}
      <LoadError name="the audit log" error={loaded.error} />

      <DataTable
        caption="Audit log"
        rows={loaded.data ? entries : undefined}
        rowKey={(entry) => entry.id}
        busy={loaded.loading}
        empty="No entries match."
        columns={AUDIT_COLUMNS}
      />
      <nav className="admin-pager" aria-label="Audit log pages">
        <button
          type="button"
          disabled={pageNumber <= 1 || loaded.loading}
          onClick={() => setTrail(previousPage(trail))}
        >
          Previous page
        </button>
        <span>Page {pageNumber}</span>
        <button
          type="button"
          disabled={!loaded.data?.nextCursor || loaded.loading}
          onClick={() => setTrail(nextPage(trail, loaded.data?.nextCursor ?? null))}
        >
          Next page
        </button>
      </nav>
    </section>
  );
}

function json(value: unknown): string {
  return value === undefined || value === null ? '—' : JSON.stringify(value, null, 2);
}

/** An entry: when, who, what, and the record before and after (with the trace it was made in) on demand. */
const AUDIT_COLUMNS: Column<AuditEntry>[] = [
  {
    header: 'When',
    cell: (entry) => <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time>,
  },
  { header: 'Who', cell: (entry) => entry.actorName ?? entry.actorId },
  { header: 'Action', cell: (entry) => entry.action },
  {
    header: 'Target',
    cell: (entry) => (
      <>
        {entry.targetType} <span className="hint">{entry.targetId}</span>
      </>
    ),
  },
  { header: 'Details', cell: (entry) => <AuditDetails entry={entry} /> },
];

function AuditDetails(props: { entry: AuditEntry }) {
  const { entry } = props;
  return (
    <details className="audit-details">
      <summary>
        Details
        <span className="visually-hidden">
          {' '}
          of {entry.action} on {entry.targetType}
        </span>
      </summary>
      <div className="audit-diff">
        <div>
          <h3>Before</h3>
          <pre>{json(entry.before)}</pre>
        </div>
        <div>
          <h3>After</h3>
          <pre>{json(entry.after)}</pre>
        </div>
      </div>
      {entry.traceparent !== null && (
        <p className="hint">
          Trace <code>{entry.traceparent.split('-')[1]}</code>
        </p>
      )}
    </details>
  );
}
