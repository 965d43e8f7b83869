import { adminEngineRoutes, type AuditEntry } from '@webstream/contracts';
import { useState, type FormEvent } from 'react';
import { session } from '../../api/http';
import { compactQuery, downloadCsv, errorText } from '../api';
import { useLoad } from '../kit/hooks';
import { type Column, DataTable } from '../kit/DataTable';
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
  const [downloadError, setDownloadError] = useState<string | undefined>();
  const [downloading, setDownloading] = useState(false);

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

  const download = async (): Promise<void> => {
    setDownloading(true);
    setDownloadError(undefined);
    try {
      await downloadCsv(adminEngineRoutes.audit.path, auditQuery(filter, { limit: 500 }), 'audit-log.csv');
    } catch (error) {
      setDownloadError(`Could not download: ${errorText(error)}`);
    } finally {
      setDownloading(false);
    }
  };

  const entries = loaded.data?.items ?? [];
  const pageNumber = trail.cursors.length;
  return (
    <section className="admin-page" aria-labelledby="audit-heading">
      <div className="admin-page-head">
        <h1 id="audit-heading" ref={heading} tabIndex={-1}>
          Audit log
        </h1>
        <button type="button" disabled={downloading} onClick={() => void download()}>
          Download CSV
        </button>
      </div>
      <form role="search" aria-label="Search the audit log" className="admin-toolbar card" onSubmit={search}>
        {FIELDS.map((field) => (
          <div className="admin-field" key={field.key}>
            <label htmlFor={`audit-${field.key}`}>{field.label}</label>
            <input
              id={`audit-${field.key}`}
              type="text"
              value={draft[field.key]}
              aria-describedby={field.hint ? `audit-${field.key}-hint` : undefined}
              onChange={(event) => setDraft({ ...draft, [field.key]: event.target.value })}
            />
            {field.hint && (
              <span id={`audit-${field.key}-hint`} className="hint">
                {field.hint}
              </span>
            )}
          </div>
        ))}
        {props.platformAdmin && (
          <div className="admin-field">
            <label htmlFor="audit-orgId">Organization ID</label>
            <input
              id="audit-orgId"
              type="text"
              value={draft.orgId}
              onChange={(event) => setDraft({ ...draft, orgId: event.target.value })}
            />
          </div>
        )}
        <div className="admin-field">
          <label htmlFor="audit-from">From</label>
          <input
            id="audit-from"
            type="date"
            value={draft.fromDay}
            onChange={(event) => setDraft({ ...draft, fromDay: event.target.value })}
          />
        </div>
        <div className="admin-field">
          <label htmlFor="audit-to">To</label>
          <input
            id="audit-to"
            type="date"
            value={draft.toDay}
            onChange={(event) => setDraft({ ...draft, toDay: event.target.value })}
          />
        </div>
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

      {downloadError && (
        <p role="alert" className="error">
          {downloadError}
        </p>
      )}
      {loaded.error && (
        <p role="alert" className="error">
          Could not load the audit log: {loaded.error}
        </p>
      )}

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
