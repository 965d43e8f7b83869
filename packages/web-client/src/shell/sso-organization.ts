import { organizationSlug } from './sso';

// The organization of the last successful sign-in, so that the next visit offers its providers at once. Only
// the slug is kept, which is no secret (it is typed on this page); tokens never go to localStorage.
const REMEMBERED_KEY = 'webstream.organization';
// A single sign-on leaves the page for the provider: the organization it was started for waits in this tab
// until the sign-in has succeeded.
const PENDING_KEY = 'webstream.ssoOrganization';

/** Storage can be refused (private windows, blocked site data): the sign-in page then simply remembers nothing. */
function attempt<T>(use: () => T): T | undefined {
  try {
    return use();
  } catch {
    return undefined;
  }
}

export function rememberedOrganization(): string | undefined {
  const stored = attempt(() => localStorage.getItem(REMEMBERED_KEY));
  return stored == null ? undefined : organizationSlug(stored);
}

export function rememberOrganization(slug: string): void {
  const valid = organizationSlug(slug);
  if (valid !== undefined) attempt(() => localStorage.setItem(REMEMBERED_KEY, valid));
}

/** Notes the organization of a single sign-on about to start. */
export function notePendingOrganization(slug: string): void {
  attempt(() => sessionStorage.setItem(PENDING_KEY, slug));
}

/** After a single sign-on succeeded: its organization becomes the remembered one. */
export function rememberPendingOrganization(): void {
  const pending = attempt(() => sessionStorage.getItem(PENDING_KEY));
  attempt(() => sessionStorage.removeItem(PENDING_KEY));
  if (pending != null) rememberOrganization(pending);
}
