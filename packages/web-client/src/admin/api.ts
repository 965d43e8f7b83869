import { type EndpointDefinition, type Page } from '@webstream/contracts';
import { ApiError, session } from '../api/http';
import { toQueryString, type Query } from './query';

/** A query without the parameters left out (undefined) or left empty (''), as a form gives it. */
export function compactQuery(query: Query): Record<string, string | number> {
  const compact: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') compact[key] = value;
  return compact;
}

/**
 * One page of an IAM collection (or of a group's members): the generic admin kit reads every collection the
 * same way, so the input is assembled here and the endpoint's own schemas check it and parse the page.
 */
export async function listPage<Item>(
  endpoint: EndpointDefinition,
  query: Query,
  signal?: AbortSignal,
  params?: Record<string, string>,
): Promise<Page<Item>> {
  const input = { query: compactQuery(query), ...(params ? { params } : {}) };
  return (await session.call(endpoint, input, signal ? { signal } : {})) as Page<Item>;
}

/** What to tell the administrator about a failed call. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.status) {
      case 403:
        return `Not allowed: ${error.message}`;
      case 404:
        return `Not found: ${error.message}`;
      case 409:
        return `Conflict: ${error.message}`;
      default:
        return error.message;
    }
  }
  if (error instanceof DOMException && error.name === 'AbortError') return 'Cancelled.';
  return error instanceof Error ? error.message : String(error);
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/**
 * A report or the audit log as CSV, saved as a file: session.call parses JSON, so this fetches the text itself
 * with the signed-in user's token (refreshing it once on a 401).
 */
export async function downloadCsv(path: string, query: Query, fileName: string): Promise<void> {
  const url = `${path}${toQueryString({ ...query, format: 'csv' })}`;
  const get = (): Promise<Response> =>
    fetch(url, {
      headers: {
        accept: 'text/csv',
        ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
      },
    });
  let response = await get();
  if (response.status === 401 && (await session.resume())) response = await get();
  if (!response.ok) {
    const text = await response.text();
    let message = `${response.status} ${response.statusText}`;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: string } };
      if (parsed.error?.message) message = parsed.error.message;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(response.status, message);
  }
  const blob = new Blob([await response.text()], { type: 'text/csv;charset=utf-8' });
  const href = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(href), 1000);
}
