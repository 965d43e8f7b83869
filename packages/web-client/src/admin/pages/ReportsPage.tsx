import {
  usagePeriodSchema,
  type ConcurrencyReportRow,
  type TopReportRow,
  type UsagePeriod,
  type UsageReportRow,
  adminEngineRoutes,
  type EndpointDefinition,
} from '@webstream/contracts';
import { useState, type FormEvent, type ReactNode } from 'react';
import { session } from '../../api/http';
import { compactQuery, downloadCsv, errorText } from '../api';
import { BarChart, SeriesChart } from '../kit/Charts';
import { useLoad } from '../kit/hooks';
import { useLookups } from '../kit/lookups';
import { useFocusOnMount } from '../kit/hooks';
import { lastDays, reportQueries, type Query, type ReportFilter } from '../query';
import { concurrencySeries, csvFileName, usageSeries } from '../reports-data';
import { type RefSource } from '../kit/resource-spec';

const PERIOD_LABELS: Record<UsagePeriod, string> = { hour: 'Hour', day: 'Day', week: 'Week', month: 'Month' };
const NAMES: readonly RefSource[] = ['applications', 'users'];

interface Rows<Row> {
  rows: Row[];
}

/** Usage over time, top applications and users, and concurrency peaks, each with a CSV download. */
export function ReportsPage() {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [draft, setDraft] = useState<ReportFilter>(() => ({ ...lastDays(30), period: 'day' }));
  const [filter, setFilter] = useState<ReportFilter>(draft);
  const names = useLookups(NAMES);
  const built = reportQueries(filter);
  const checked = reportQueries(draft);
  const draftProblem = 'problem' in checked ? checked.problem : undefined;

  const apply = (event: FormEvent): void => {
    event.preventDefault();
    if (draftProblem === undefined) setFilter(draft);
  };

  return (
    <section className="admin-page" aria-labelledby="reports-heading">
      <h1 id="reports-heading" ref={heading} tabIndex={-1}>
        Reports
      </h1>
      <form className="admin-toolbar card" aria-label="Report range" onSubmit={apply} noValidate>
        <div className="admin-field">
          <label htmlFor="report-from">From</label>
          <input
            id="report-from"
            type="date"
            value={draft.fromDay}
            aria-invalid={draftProblem ? true : undefined}
            aria-describedby={draftProblem ? 'report-range-error' : undefined}
            onChange={(event) => setDraft({ ...draft, fromDay: event.target.value })}
          />
        </div>
        <div className="admin-field">
          <label htmlFor="report-to">To</label>
          <input
            id="report-to"
            type="date"
            value={draft.toDay}
            aria-invalid={draftProblem ? true : undefined}
            aria-describedby={draftProblem ? 'report-range-error' : undefined}
            onChange={(event) => setDraft({ ...draft, toDay: event.target.value })}
          />
        </div>
        <div className="admin-field">
          <label htmlFor="report-period">Period</label>
          <select
            id="report-period"
            value={draft.period}
            onChange={(event) => setDraft({ ...draft, period: usagePeriodSchema.parse(event.target.value) })}
          >
            {usagePeriodSchema.options.map((period) => (
              <option key={period} value={period}>
                {PERIOD_LABELS[period]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={draftProblem !== undefined}>
          Show reports
        </button>
        {draftProblem && (
          <p id="report-range-error" className="error" role="alert">
            {draftProblem}
          </p>
        )}
      </form>
      <p className="hint">Days are whole UTC days; hourly periods cover at most 62 days.</p>

      {'queries' in built && (
        <>
          <Report<UsageReportRow>
            id="usage"
            title="Usage over time"
            endpoint={adminEngineRoutes.usage}
            query={built.queries.usage}
            fileName={csvFileName('usage', filter.fromDay, filter.toDay)}
            render={(rows) => (
              <SeriesChart
                title={`Session minutes per ${filter.period}`}
                kind="columns"
                unit="minutes"
                labelHeader={PERIOD_LABELS[filter.period]}
                data={usageSeries(rows, filter.period)}
              />
            )}
          />
          <div className="admin-columns">
            <Report<TopReportRow>
              id="top-apps"
              title="Top applications"
              endpoint={adminEngineRoutes.top}
              query={built.queries.topApps}
              fileName={csvFileName('top-applications', filter.fromDay, filter.toDay)}
              render={(rows) => (
                <BarChart
                  title="Top applications by session minutes"
                  unit="minutes"
                  labelHeader="Application"
                  data={rows.map((row) => ({
                    label: names.nameOf('applications', row.key),
                    value: row.minutes,
                  }))}
                />
              )}
            />
            <Report<TopReportRow>
              id="top-users"
              title="Top users"
              endpoint={adminEngineRoutes.top}
              query={built.queries.topUsers}
              fileName={csvFileName('top-users', filter.fromDay, filter.toDay)}
              render={(rows) => (
                <BarChart
                  title="Top users by session minutes"
                  unit="minutes"
                  labelHeader="User"
                  data={rows.map((row) => ({ label: names.nameOf('users', row.key), value: row.minutes }))}
                />
              )}
            />
          </div>
          <Report<ConcurrencyReportRow>
            id="concurrency"
            title="Concurrency peaks"
            endpoint={adminEngineRoutes.concurrency}
            query={built.queries.concurrency}
            fileName={csvFileName('concurrency', filter.fromDay, filter.toDay)}
            render={(rows) => {
              const period = built.queries.concurrency['period'] === 'hour' ? 'hour' : 'day';
              return (
                <SeriesChart
                  title={`Most sessions at once per ${period}`}
                  kind="line"
                  unit="sessions"
                  labelHeader={period === 'hour' ? 'Hour' : 'Day'}
                  data={concurrencySeries(rows, period)}
                />
              );
            }}
          />
        </>
      )}
    </section>
  );
}

/** One report: loads its rows, draws them, and offers them as CSV. */
function Report<Row>(props: {
  id: string;
  title: string;
  endpoint: EndpointDefinition;
  query: Query;
  fileName: string;
  render: (rows: Row[]) => ReactNode;
}) {
  const key = `${props.endpoint.path}${JSON.stringify(props.query)}`;
  const loaded = useLoad(
    async (signal) =>
      (await session.call(props.endpoint, { query: compactQuery(props.query) } as never, {
        signal,
      })) as Rows<Row>,
    key,
  );
  const [downloading, setDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<string | undefined>();

  const download = async (): Promise<void> => {
    setDownloading(true);
    setDownloadError(undefined);
    try {
      await downloadCsv(props.endpoint.path, props.query, props.fileName);
    } catch (error) {
      setDownloadError(`Could not download: ${errorText(error)}`);
    } finally {
      setDownloading(false);
    }
  };

  return (
    <section
      className="admin-subsection card"
      aria-labelledby={`${props.id}-heading`}
      aria-busy={loaded.loading}
    >
      <div className="admin-page-head">
        <h2 id={`${props.id}-heading`}>{props.title}</h2>
        <button
          type="button"
          disabled={downloading}
          aria-label={`Download CSV: ${props.title}`}
          onClick={() => void download()}
        >
          Download CSV
        </button>
      </div>
      {downloadError && (
        <p role="alert" className="error">
          {downloadError}
        </p>
      )}
      {loaded.error ? (
        <p role="alert" className="error">
          Could not load {props.title.toLowerCase()}: {loaded.error}
        </p>
      ) : loaded.data ? (
        props.render(Array.isArray(loaded.data.rows) ? loaded.data.rows : [])
      ) : (
        <p className="hint">Loading…</p>
      )}
    </section>
  );
}
