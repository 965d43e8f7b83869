import { type Page, type PageQuery } from '@webstream/contracts';

function pageWindow(query: Pick<PageQuery, 'page' | 'pageSize'>): { skip: number; take: number } {
  return { skip: (query.page - 1) * query.pageSize, take: query.pageSize };
}

/** One page of a list and the count of all its records, read together and mapped to the API's shape. */
export async function fetchPage<Row, Item>(
  query: Pick<PageQuery, 'page' | 'pageSize'>,
  find: (window: { skip: number; take: number }) => Promise<Row[]>,
  count: () => Promise<number>,
  toItem: (row: Row) => Item,
): Promise<Page<Item>> {
  const [rows, total] = await Promise.all([find(pageWindow(query)), count()]);
  return pageOfItems(rows.map(toItem), total, query);
}

function pageOfItems<Item>(
  items: Item[],
  total: number,
  query: Pick<PageQuery, 'page' | 'pageSize'>,
): Page<Item> {
  return { items, total, page: query.page, pageSize: query.pageSize };
}

/** Case-insensitive substring match, for the `q` filter. */
export function contains(q: string | undefined): { contains: string; mode: 'insensitive' } | undefined {
  return q === undefined ? undefined : { contains: q, mode: 'insensitive' };
}

export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
