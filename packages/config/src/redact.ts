import { type WebstreamConfig } from './schema';

export const REDACTED = '[redacted]';
const MASK = '***';

/** Property names whose value is a secret wherever they appear. */
const SECRET_NAME = /^(key|secret|password|token)$|(Secret|Password|Token|Key)$/;
/** Query parameters that carry credentials (libpq accepts ?password=...). */
const SECRET_PARAM = /pass|secret|token|key/i;

/**
 * Masks the password of a URL and any credential query parameter, leaving the rest as written:
 * postgres://app:s3cret@db/iam → postgres://app:***@db/iam. A string that is not a URL is returned unchanged.
 */
export function maskUrlPassword(value: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(value);
  if (scheme === null) return value;
  const rest = value.slice(scheme[0].length);
  // The authority ends at the first / ? # (or \); its user info ends at the last @ inside it.
  const authorityEnd = rest.search(/[/?#\\]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const after = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  const at = authority.lastIndexOf('@');
  let maskedAuthority = authority;
  if (at !== -1) {
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(':');
    if (colon !== -1) maskedAuthority = `${userInfo.slice(0, colon)}:${MASK}${authority.slice(at)}`;
  }
  const maskedAfter = after.replace(/([?&])([^=&#]*)=([^&#]*)/g, (whole, separator: string, name: string) =>
    SECRET_PARAM.test(name) ? `${separator}${name}=${MASK}` : whole,
  );
  return `${scheme[0]}${maskedAuthority}${maskedAfter}`;
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
