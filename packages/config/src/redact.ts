import { type WebstreamConfig } from './schema';

export const REDACTED = '[redacted]';
const MASK = '***';

/** Property names whose value is a secret wherever they appear. */
const SECRET_NAME = /^(key|secret|password|token)$|(Secret|Password|Token)$/;
/** Query parameters that carry credentials (libpq accepts ?password=...). */
const SECRET_PARAM = /pass|secret|token|key/i;

/**
 * Masks the password of a URL and any credential query parameter: postgres://app:s3cret@db/iam →
 * postgres://app:***@db/iam. A string that is not a URL is returned unchanged; one that looks like a URL with
 * credentials but cannot be parsed is replaced entirely.
 */
export function maskUrlPassword(value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value.includes('@') ? REDACTED : value;
  }
  let masked = false;
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) {
      url.searchParams.set(name, MASK);
      masked = true;
    }
  }
  if (url.password === '' && !masked) return value;
  const auth =
    url.username === '' && url.password === ''
      ? ''
      : `${url.username}${url.password === '' ? '' : `:${MASK}`}@`;
  const search = masked ? url.search.replaceAll(encodeURIComponent(MASK), MASK) : url.search;
  return `${url.protocol}//${auth}${url.host}${url.pathname}${search}${url.hash}`;
}

function redactValue(value: unknown, name: string | undefined): unknown {
  if (name !== undefined && SECRET_NAME.test(name) && value !== undefined) return REDACTED;
  if (typeof value === 'string') return maskUrlPassword(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, undefined));
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      copy[maskUrlPassword(key)] = redactValue(child, key);
    }
    return copy;
  }
  return value;
}

/**
 * A copy of the configuration safe to log or show: webstreamSettings.serverPfxSecret and every
 * mcpApiKeys[].key become '[redacted]', passwords inside URLs (database, Redis, any other) become '***'.
 */
export function redactConfig(config: WebstreamConfig): unknown {
  return redactValue(config, undefined);
}
