import { type ReactNode, useState } from 'react';
import { type Column, nextSort, type Sort, tableView } from './table-view';

export type { Column } from './table-view';

const DEFAULT_PAGE_SIZE = 50;

export interface DataTableProps<Row> {
  /** The table's accessible name. */
  caption: string;
  columns: readonly Column<Row>[];
  /** Undefined while the first answer is awaited. */
  rows: readonly Row[] | undefined;
  rowKey: (row: Row) => string;
  /** What an empty table says. */
  empty: string;
  /** A load is under way (the rows shown are the previous answer's). */
  busy?: boolean;
  pageSize?: number;
  /** Below the table, beside the pager: a "More" button for server-side paging, say. */
  footer?: ReactNode;
}

/**
 * Every list of the admin console: a captioned table whose first column heads its row, sortable by the columns
 * that say what they sort by (aria-sort on the header), paged, with an empty state.
 */
export function DataTable<Row>(props: DataTableProps<Row>) {
  const { caption, columns, rows, rowKey, empty, busy, footer } = props;
  const pageSize = props.pageSize ?? DEFAULT_PAGE_SIZE;
  const [sort, setSort] = useState<Sort | undefined>();
  const [page, setPage] = useState(0);
  const view = tableView(rows ?? [], columns, sort, page, pageSize);
  return (
    <div className="admin-table-wrap">
      <table className="admin-table" aria-busy={busy}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th
                key={column.header}
                scope="col"
                aria-sort={sort?.column === index ? sort.direction : undefined}
              >
                {column.hiddenHeader ? (
                  <span className="visually-hidden">{column.header}</span>
                ) : column.sortValue ? (
                  <button
                    type="button"
                    className="admin-sort"
                    onClick={() => {
                      setSort(nextSort(sort, index));
                      setPage(0);
                    }}
                  >
                    {column.header}
                  </button>
                ) : (
                  column.header
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {view.rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((column, index) =>
                index === 0 ? (
                  <th key={column.header} scope="row">
                    {column.cell(row)}
                  </th>
                ) : (
                  <td key={column.header} className={column.className}>
                    {column.cell(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
          {rows !== undefined && rows.length === 0 && (
            <tr>
              <td colSpan={columns.length}>{empty}</td>
            </tr>
          )}
        </tbody>
      </table>
      {(view.pages > 1 || footer) && (
        <nav className="admin-pager" aria-label={`Pages of ${caption}`}>
          {view.pages > 1 && (
            <>
              <button type="button" disabled={view.page === 0} onClick={() => setPage(view.page - 1)}>
                Previous
              </button>
              <span>
                Page {view.page + 1} of {view.pages}
              </span>
              <button
                type="button"
                disabled={view.page === view.pages - 1}
                onClick={() => setPage(view.page + 1)}
              >
                Next
              </button>
            </>
          )}
          {footer}
        </nav>
      )}
    </div>
  );
}
