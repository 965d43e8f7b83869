const TRACE_KEY_PREFIX = 'webstream.trace.';

function randomHex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (value) => value.toString(16).padStart(2, '0')).join('');
}

/**
 * The W3C `traceparent` of one request about a session: the session's own trace (made at its launch and kept for
 * the tab, so a reconnect joins it) and a new span id, so the gateway's spans of the launch and every
 * /getConnection line up in one trace.
 */
export function sessionTraceparent(sessionId: string, storage: Storage = sessionStorage): string {
  let traceId: string | null = null;
  try {
    traceId = storage.getItem(TRACE_KEY_PREFIX + sessionId);
  } catch {
    // No storage (a private window's quota): the trace lasts as long as this page.
  }
  if (traceId === null || !/^[0-9a-f]{32}$/.test(traceId)) {
    traceId = randomHex(16);
    try {
      storage.setItem(TRACE_KEY_PREFIX + sessionId, traceId);
    } catch {
      // As above.
    }
  }
  return `00-${traceId}-${randomHex(8)}-01`;
}
