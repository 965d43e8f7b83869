// Field builders shared by every section, so that one kind of value (a port, a duration, a secret, a URL) has one
// rule and one message wherever it appears.
import { isIP } from 'node:net';
import { z } from 'zod';

export const SERVICE_TOKEN_MIN_LENGTH = 32;

/** Error function for a value's base type: "is required" when it is missing, the rule otherwise. */
export function rule(text: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'is required' : text);
}

/** Attaches the absolute keys a cross-field rule depends on, so an env override of one of them is named. */
export function related(...keys: string[]): { related: string[] } {
  return { related: keys };
}

const PORT_RULE = 'must be an integer between 1 and 65535';

export function port(defaultPort: number) {
  return z
    .number({ error: rule(PORT_RULE) })
    .int({ error: PORT_RULE })
    .min(1, { error: PORT_RULE })
    .max(65535, { error: PORT_RULE })
    .default(defaultPort);
}

/** A duration in seconds (fractions allowed). */
export function seconds(defaultSeconds: number, minimum = 1) {
  return z
    .number({ error: rule('must be a number of seconds') })
    .min(minimum, { error: `must be at least ${minimum} s` })
    .default(defaultSeconds);
}

export function wholeNumber(minimum: number) {
  return z
    .number({ error: rule('must be a whole number') })
    .int({ error: 'must be a whole number' })
    .min(minimum, { error: `must be at least ${minimum}` });
}

export function flag(defaultValue: boolean) {
  return z.boolean({ error: rule('must be true or false') }).default(defaultValue);
}

export function text(what: string) {
  const message = `must be ${what}`;
  return z.string({ error: rule(message) }).min(1, { error: message });
}

/** A secret: the message hints at quoting, since YAML turns an unquoted all-digit secret into a number. */
export function secret(what: string, minimum: number) {
  const message =
    minimum > 0 ? `must be ${what} of at least ${minimum} characters` : `must be ${what} (a string)`;
  return z
    .string({ error: rule(`${message}; quote it in YAML if it could be read as a number or boolean`) })
    .min(minimum, { error: message });
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isIpOrHostName(value: string): boolean {
  if (isIP(value) !== 0) return true;
  // "999.1.1.1" matches the host name pattern but is a mistyped address, not a name.
  return HOST_NAME.test(value) && !/^[\d.]+$/.test(value);
}

export function isIpOrCidr(value: string): boolean {
  const parts = value.split('/');
  const [address, bits] = parts;
  if (address === undefined || parts.length > 2) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

/** A list of IP addresses or CIDR ranges, empty unless set. */
export function ipRanges() {
  return z
    .array(
      z
        .string({ error: rule('must be an IP address or CIDR range such as 10.0.0.0/8') })
        .refine(isIpOrCidr, { error: 'must be an IP address or CIDR range such as 10.0.0.0/8' }),
      { error: rule('must be a list of IP addresses or CIDR ranges') },
    )
    .default(() => []);
}

export function isUrlWithProtocol(value: string, protocols: readonly string[]): boolean {
  if (value === '' || value.trim() !== value) return false;
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

export function stripTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

export const HTTP = ['http:', 'https:'] as const;

/** An http(s) URL another service is reached at; a trailing slash is dropped so `${url}/path` is well formed. */
export function httpBaseUrl(example: string) {
  const message = `must be an http:// or https:// URL such as ${example}`;
  return z
    .string({ error: rule(message) })
    .refine((value) => isUrlWithProtocol(value, HTTP), { error: message })
    .transform(stripTrailingSlashes);
}

export function urlWith(protocols: readonly string[], message: string) {
  return z
    .string({ error: rule(message) })
    .refine((value) => isUrlWithProtocol(value, protocols), { error: message });
}

export const postgresUrl = () =>
  urlWith(
    ['postgres:', 'postgresql:'],
    'must be a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/database',
  );

export function enumOf<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return z.enum(values, { error: rule(`must be one of ${values.join(', ')}`) }).default(defaultValue);
}

export function hostOrIp(defaultValue: string) {
  const message = 'must be an IP address (such as 0.0.0.0) or a host name';
  return z
    .string({ error: rule(message) })
    .refine(isIpOrHostName, { error: message })
    .default(defaultValue);
}

export function nameList(what: string) {
  return z.array(text('a non-empty name'), { error: rule(`must be a list of ${what}`) }).default(() => []);
}
