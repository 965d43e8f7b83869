import {
  endpointPath,
  organizationSlugSchema,
  returnToSchema,
  SSO_LANDING_PATH,
  ssoStartRoute,
} from '@webstream/contracts';
import { ApiError } from '../api/http';

/** What IAM put in /sign-in's fragment after the provider: a one-time code, or why there is none. */
export type SsoLanding =
  | { kind: 'code'; code: string; returnTo: string }
  | { kind: 'error'; error: string; description: string | undefined };

/** The single sign-on's answer in `hash` (`#code=…&returnTo=…` or `#error=…&error_description=…`), if any. */
export function parseLandingFragment(hash: string): SsoLanding | undefined {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const code = params.get('code');
  if (code !== null && code !== '') {
    return { kind: 'code', code, returnTo: safeReturnTo(params.get('returnTo')) };
  }
  const error = params.get('error');
  if (error !== null && error !== '') {
    return { kind: 'error', error, description: params.get('error_description') || undefined };
  }
  return undefined;
}

/** The landing the page was opened with: only /sign-in takes one, so that no other page acts on a fragment. */
export function readLanding(location: Pick<Location, 'pathname' | 'hash'>): SsoLanding | undefined {
  return location.pathname === SSO_LANDING_PATH ? parseLandingFragment(location.hash) : undefined;
}

/**
 * A path to go to after signing in, or `/`. The value came through a URL anyone can craft, so it must stay on
 * this site: `//host` and `/\host` are read by browsers as another host, and a scheme would leave the page.
 */
export function safeReturnTo(value: string | null | undefined): string {
  return value != null && returnToSchema.safeParse(value).success ? value : '/';
}

/**
 * Where a sign-in started on this page should come back to: the page the user was trying to reach (the sign-in
 * page is shown in its place), without the `org` parameter that only chose the organization.
 */
export function returnToOf(location: Pick<Location, 'pathname' | 'search'>): string {
  if (location.pathname === SSO_LANDING_PATH) return '/';
  const search = new URLSearchParams(location.search);
  search.delete('org');
  const query = search.toString();
  return safeReturnTo(query === '' ? location.pathname : `${location.pathname}?${query}`);
}

/** The URL the browser loads (a whole page, not a fetch) to sign in with a provider. */
export function ssoStartUrl(providerId: string, returnTo: string): string {
  const path = endpointPath(ssoStartRoute, { id: providerId });
  return `${path}?${new URLSearchParams({ returnTo: safeReturnTo(returnTo) }).toString()}`;
}

/** A typed organization as the slug to look up, or undefined when it cannot be one. */
export function organizationSlug(text: string): string | undefined {
  const slug = text.trim().toLowerCase();
  return organizationSlugSchema.safeParse(slug).success ? slug : undefined;
}

const ERROR_WORDS: Readonly<Record<string, string>> = {
  access_denied: 'The identity provider refused the sign-in.',
  login_required: 'The identity provider needs you to sign in there first. Please try again.',
  invalid_request: 'The identity provider could not handle the sign-in request.',
  server_error: 'The identity provider had an error. Please try again later.',
  temporarily_unavailable:
    'The identity provider is unavailable for the moment. Please try again in a while.',
  sso_failed: 'The sign-in with the identity provider failed.',
  not_provisioned:
    'There is no WebStream account for you, and this identity provider may not create one. Ask your administrator for access.',
  account_disabled: 'Your WebStream account is disabled. Ask your administrator.',
  expired: 'The sign-in took too long. Please start again.',
  sso_rejected: "WebStream could not accept the identity provider's answer.",
};

/** A failed sign-in in words; an unknown code keeps the provider's own description. */
export function ssoErrorText(error: string, description?: string): string {
  return (
    ERROR_WORDS[error] ??
    (description === undefined || description === '' ? `The sign-in failed (${error}).` : description)
  );
}

/** Why trading the one-time code failed, in words. */
export function exchangeErrorText(caught: unknown): string {
  if (!(caught instanceof ApiError)) return 'The gateway cannot be reached. Please try again.';
  if (caught.status === 401) {
    return 'This sign-in link was already used or has expired. Please sign in again.';
  }
  // Checked before it is sent: the fragment did not hold a code IAM could have issued.
  if (caught.status === 400) return 'This sign-in link is not valid. Please sign in again.';
  if (caught.status === 429) {
    return `Too many attempts: try again in ${caught.retryAfterSeconds ?? 'a few'} s.`;
  }
  return caught.message;
}
