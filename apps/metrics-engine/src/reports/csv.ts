import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';

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
