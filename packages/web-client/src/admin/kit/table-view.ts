import { type ReactNode } from 'react';

/** A column of a DataTable: its header, its cell, and what it sorts by when it can. */
export interface Column<Row> {
  header: string;
  /** Read by screen readers only (an actions column). */
  hiddenHeader?: boolean;
  cell: (row: Row) => ReactNode;
  /** The cells' class (admin-row-actions for a column of buttons). */
  className?: string;
  /** The column sorts by this when its header is pressed; without it the column does not sort. */
  sortValue?: (row: Row) => string | number | null;
}

export interface Sort {
  column: number;
  direction: 'ascending' | 'descending';
}

/** The rows a page shows, sorted, and how many pages there are. */
export function tableView<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  sort: Sort | undefined,
  page: number,
  pageSize: number,
): { rows: Row[]; page: number; pages: number } {
  const sortValue = sort === undefined ? undefined : columns[sort.column]?.sortValue;
  const sorted = [...rows];
  if (sort !== undefined && sortValue !== undefined) {
    const sign = sort.direction === 'ascending' ? 1 : -1;
    // Stable: rows that compare equal keep the order the API gave them. Empty values sort last either way.
    sorted.sort((a, b) => {
      const [x, y] = [sortValue(a), sortValue(b)];
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (
        (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sign
      );
    });
  }
  const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
  const current = Math.min(Math.max(0, page), pages - 1);
  return { rows: sorted.slice(current * pageSize, (current + 1) * pageSize), page: current, pages };
}

/** The next sort when a column's header is pressed: ascending, then descending, then as the API gave it. */
export function nextSort(sort: Sort | undefined, column: number): Sort | undefined {
  if (sort?.column !== column) return { column, direction: 'ascending' };
  return sort.direction === 'ascending' ? { column, direction: 'descending' } : undefined;
}
