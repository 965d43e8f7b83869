import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';

/** Rows as a report answers them, with the CSV download's name and columns. */
export interface Table<Row extends object> {
  rows: Row[];
  filename: string;
  columns: (keyof Row & string)[];
}

/** `{ rows }` as JSON, or the rows as a CSV download where the query asks for `format=csv`. */
export function rowsOrCsv<Row extends object>(
  res: Response,
  format: 'json' | 'csv',
  table: Table<Row>,
): { rows: Row[] } | string {
  return format === 'csv' ? sendCsv(res, table.filename, table.rows, table.columns) : { rows: table.rows };
}

/** Answers rows as a CSV download with a header line, columns in the order given. */
export function sendCsv<Row extends object>(
  res: Response,
  filename: string,
  rows: Row[],
  columns: (keyof Row & string)[],
): string {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}.csv"`);
  return stringify(
    rows.map((row) =>
      columns.map((column) => {
        const value = row[column] as unknown;
        return neutralise(value !== null && typeof value === 'object' ? JSON.stringify(value) : value);
      }),
    ),
    { header: true, columns },
  );
}

// A cell starting with one of these is a formula to a spreadsheet: a display name could run one.
const FORMULA_START = /^[=+\-@\t\r]/;

function neutralise(value: unknown): unknown {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}
