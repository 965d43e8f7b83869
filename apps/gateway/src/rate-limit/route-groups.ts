import { type RateLimitGroup } from '@webstream/config';

// Upgrades of these are the connection group too (the data plane's WebSocket paths).
const SOCKET_PATHS = new Set(['/capture', '/control', '/audio']);

/** `path` is `prefix` itself or below it. */
function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The rate-limit group of a request path (a query string is ignored), or undefined for a path that is
 * not limited: the backends' own calls (/gateway/register, /heartbeat, /unregister, /license/*), health,
 * metrics, the static client. Lower-cased and without a trailing slash first, as Express routes match, so
 * /IAM/AUTH/login/ cannot slip out of its group.
 */
export function groupFor(path: string): RateLimitGroup | undefined {
  const query = path.indexOf('?');
  let lower = (query === -1 ? path : path.slice(0, query)).toLowerCase();
  // Express's non-strict routing serves /getConnection/ as /getConnection.
  if (lower.length > 1 && lower.endsWith('/')) lower = lower.slice(0, -1);
  if (under(lower, '/iam/auth')) return 'auth';
  if (under(lower, '/iam')) return 'iam';
  if (under(lower, '/gateway/session')) return 'session';
  if (under(lower, '/gateway/admin')) return 'admin';
  if (lower === '/getconnection' || SOCKET_PATHS.has(lower)) return 'connection';
  if (under(lower, '/mcp')) return 'mcp';
  return undefined;
}
