import { SSO_LANDING_PATH } from '@webstream/contracts';
import { useEffect, useRef, useState } from 'react';
import { session } from '../api/http';
import { navigate } from './router';
import { exchangeErrorText, type SsoLanding, ssoErrorText } from './sso';
import { rememberPendingOrganization } from './sso-organization';

export type LandingState = { phase: 'signing-in' } | { phase: 'failed'; message: string };

/**
 * Finishes a single sign-on on /sign-in: trades the fragment's one-time code for tokens, then goes to the page
 * the sign-in started from; `done` is called once the landing has nothing more to show.
 */
export function useSsoLanding(landing: SsoLanding, done: () => void): LandingState {
  const [state, setState] = useState<LandingState>(() =>
    landing.kind === 'error'
      ? { phase: 'failed', message: ssoErrorText(landing.error, landing.description) }
      : { phase: 'signing-in' },
  );
  // A code is good once: StrictMode's second run of the effect (and any re-render) must not trade it again.
  const started = useRef(false);
  const mounted = useRef(false);
  const doneRef = useRef(done);
  doneRef.current = done;

  useEffect(() => {
    mounted.current = true;
    if (!started.current) {
      started.current = true;
      // Out of the address bar and the history at once: neither the code nor the error stays behind to be
      // replayed by Back or a reload.
      window.history.replaceState(null, '', SSO_LANDING_PATH);
      if (landing.kind === 'code') {
        const { returnTo } = landing;
        session.exchangeSsoCode(landing.code).then(
          () => {
            rememberPendingOrganization();
            navigate(returnTo, { replace: true });
            doneRef.current();
          },
          (caught: unknown) => {
            if (mounted.current) setState({ phase: 'failed', message: exchangeErrorText(caught) });
          },
        );
      }
    }
    return () => {
      mounted.current = false;
    };
  }, [landing]);

  return state;
}
