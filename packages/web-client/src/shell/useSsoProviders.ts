import { ssoProvidersRoute, type SsoProvidersResponse } from '@webstream/contracts';
import { useEffect, useState } from 'react';
import { callPublic } from '../api/http';

/** How long typing in the organization field has to pause before its providers are looked up. */
export const LOOKUP_PAUSE_MS = 600;

/**
 * The sign-in choices of organization `slug` (undefined: none asked). Nothing is shown for an unknown
 * organization or a failed look-up: the page stays the plain password sign-in, and does not tell a visitor
 * which organizations exist beyond what the answer itself shows.
 */
export function useSsoProviders(slug: string | undefined): SsoProvidersResponse | undefined {
  const [found, setFound] = useState<{ slug: string; answer: SsoProvidersResponse } | undefined>();

  useEffect(() => {
    if (slug === undefined) return;
    const controller = new AbortController();
    callPublic(ssoProvidersRoute, { query: { organization: slug } }, { signal: controller.signal }).then(
      (answer) => {
        if (!controller.signal.aborted) setFound({ slug, answer });
      },
      () => {
        if (!controller.signal.aborted) setFound(undefined);
      },
    );
    return () => controller.abort();
  }, [slug]);

  // An answer about an organization no longer asked for is not shown while the next one loads.
  return found !== undefined && found.slug === slug ? found.answer : undefined;
}

/**
 * The organization field's value once the user pauses typing (or leaves the field: `commit`), so that each
 * keystroke does not cost a look-up.
 */
export function useSettledValue(value: string, pauseMs = LOOKUP_PAUSE_MS): [string, () => void] {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), pauseMs);
    return () => clearTimeout(timer);
  }, [value, pauseMs]);
  return [settled, () => setSettled(value)];
}
