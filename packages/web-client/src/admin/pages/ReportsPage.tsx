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
import { compactQuery } from '../api';
import { BarChart, SeriesChart } from '../kit/Charts';
import { DayRangeFields } from '../kit/FilterField';
import { useCsvDownload, useLoad } from '../kit/hooks';
import { LoadError } from '../kit/LoadError';
import { useLookups } from '../kit/lookups';
import { useFocusOnMount } from '../kit/hooks';
import { lastDays, reportQueries, type Query, type ReportFilter } from '../query';
import { concurrencySeries, csvFileName, usageSeries } from '../reports-data';
import { type RefSource } from '../kit/resource-spec';

const PERIOD_LABELS: Record<UsagePeriod, string> = { hour: 'Hour', day: 'Day', week: 'Week', month: 'Month' };
const NAMES: readonly RefSource[] = ['applications', 'users'];

/** The two top ten reports, of applications and of users, each named from its lookup. */
const TOP_REPORTS = [
  {
    id: 'top-apps',
    title: 'Top applications',
    query: 'topApps',
    fileStem: 'top-applications',
    source: 'applications',
    labelHeader: 'Application',
  },
  {
    id: 'top-users',
    title: 'Top users',
    query: 'topUsers',
    fileStem: 'top-users',
    source: 'users',
    labelHeader: 'User',
  },
] as const;

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
        <DayRangeFields
          idPrefix="report"
          value={draft}
          errorId={draftProblem ? 'report-range-error' : undefined}
          onChange={setDraft}
        />
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
            {TOP_REPORTS.map((top) => (
              <Report<TopReportRow>
                key={top.id}
                id={top.id}
                title={top.title}
                endpoint={adminEngineRoutes.top}
                query={built.queries[top.query]}
                fileName={csvFileName(top.fileStem, filter.fromDay, filter.toDay)}
                render={(rows) => (
                  <BarChart
                    title={`${top.title} by session minutes`}
                    unit="minutes"
                    labelHeader={top.labelHeader}
                    data={rows.map((row) => ({
                      label: names.nameOf(top.source, row.key),
                      value: row.minutes,
                    }))}
                  />
                )}
              />
            ))}
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
  const csv = useCsvDownload();

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
          disabled={csv.downloading}
          aria-label={`Download CSV: ${props.title}`}
          onClick={() => void csv.download(props.endpoint.path, props.query, props.fileName)}
        >
          Download CSV
        </button>
      </div>
      {csv.error && (
        <p role="alert" className="error">
          {csv.error}
        </p>
      )}
      {loaded.error ? (
        <LoadError name={props.title.toLowerCase()} error={loaded.error} />
      ) : loaded.data ? (
        props.render(Array.isArray(loaded.data.rows) ? loaded.data.rows : [])
      ) : (
        <p className="hint">Loading…</p>
      )}
    </section>
  );
}
