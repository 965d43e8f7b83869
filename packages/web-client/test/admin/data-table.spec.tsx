import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DataTable } from '../../src/admin/kit/DataTable';
import { type Column, nextSort, tableView } from '../../src/admin/kit/table-view';

interface Host {
  name: string;
  sessions: number;
  cpu: number | null;
}

const columns: Column<Host>[] = [
  { header: 'Host', cell: (host) => host.name, sortValue: (host) => host.name },
  { header: 'Sessions', cell: (host) => String(host.sessions), sortValue: (host) => host.sessions },
  { header: 'CPU', cell: (host) => String(host.cpu ?? '—'), sortValue: (host) => host.cpu },
  { header: 'Actions', hiddenHeader: true, cell: () => 'x' },
];
const hosts: Host[] = [
  { name: 'b', sessions: 10, cpu: null },
  { name: 'a', sessions: 2, cpu: 40 },
  { name: 'c', sessions: 2, cpu: 10 },
];
const names = (rows: Host[]) => rows.map((host) => host.name);

describe('tableView', () => {
  it('keeps the API’s order unsorted, and sorts numbers as numbers, stable, empty values last', () => {
    expect(names(tableView(hosts, columns, undefined, 0, 50).rows)).toEqual(['b', 'a', 'c']);
    expect(names(tableView(hosts, columns, { column: 1, direction: 'ascending' }, 0, 50).rows)).toEqual([
      'a',
      'c',
      'b',
    ]);
    expect(names(tableView(hosts, columns, { column: 1, direction: 'descending' }, 0, 50).rows)).toEqual([
      'b',
      'a',
      'c',
    ]);
    for (const direction of ['ascending', 'descending'] as const)
      expect(names(tableView(hosts, columns, { column: 2, direction }, 0, 50).rows).at(-1)).toBe('b');
  });

  it('pages, and keeps a page past the end on the last one', () => {
    expect(tableView(hosts, columns, undefined, 0, 2)).toMatchObject({ page: 0, pages: 2 });
    expect(names(tableView(hosts, columns, undefined, 1, 2).rows)).toEqual(['c']);
    expect(tableView(hosts, columns, undefined, 7, 2)).toMatchObject({ page: 1, pages: 2 });
    expect(tableView([], columns, undefined, 0, 2)).toMatchObject({ rows: [], page: 0, pages: 1 });
  });

  it('sorts ascending, then descending, then not, by the header pressed', () => {
    const first = nextSort(undefined, 1);
    expect(first).toEqual({ column: 1, direction: 'ascending' });
    expect(nextSort(first, 1)).toEqual({ column: 1, direction: 'descending' });
    expect(nextSort(nextSort(first, 1), 1)).toBeUndefined();
    expect(nextSort(first, 2)).toEqual({ column: 2, direction: 'ascending' });
  });
});

describe('DataTable', () => {
  const render = (rows: Host[] | undefined, pageSize = 50) =>
    renderToStaticMarkup(
      <DataTable
        caption="Hosts"
        columns={columns}
        rows={rows}
        rowKey={(host) => host.name}
        empty="No hosts."
        pageSize={pageSize}
      />,
    );

  it('captions the table, heads each row with its first cell, and offers sorting only where a column sorts', () => {
    const html = render(hosts);
    expect(html).toContain('<caption>Hosts</caption>');
    expect(html.match(/<th scope="row">/g)).toHaveLength(3);
    expect(html.match(/<button type="button" class="admin-sort">/g)).toHaveLength(3);
    expect(html).toContain('<span class="visually-hidden">Actions</span>');
    expect(html).not.toContain('No hosts.');
  });

  it('says when it is empty, but not while the first answer is awaited', () => {
    expect(render([])).toContain('<td colSpan="4">No hosts.</td>');
    expect(render(undefined)).not.toContain('No hosts.');
  });

  it('shows a pager only when there is more than a page', () => {
    expect(render(hosts)).not.toContain('Page 1 of');
    expect(render(hosts, 2)).toContain('Page 1 of 2');
  });
});
