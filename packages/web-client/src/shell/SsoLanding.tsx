import { SSO_LANDING_PATH } from '@webstream/contracts';
import { Link } from './Link';
import { type SsoLanding as Landing } from './sso';
import { useSsoLanding } from './useSsoLanding';

/** /sign-in with a single sign-on's answer: "Signing you in…", or why it failed and the way back. */
export function SsoLanding(props: { landing: Landing; onDone: () => void }) {
  const state = useSsoLanding(props.landing, props.onDone);
  return (
    <main className="login">
      <section className="card login-card sso-landing" aria-labelledby="sso-landing-title">
        <h1 id="sso-landing-title">Sign in to WebStream</h1>
        {state.phase === 'signing-in' ? (
          <p role="status">Signing you in…</p>
        ) : (
          <>
            <p role="alert" className="error">
              {state.message}
            </p>
            <p>
              <Link
                href={SSO_LANDING_PATH}
                onClick={(event) => {
                  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
                  // The address already is /sign-in (the fragment was cleared): only the page changes.
                  event.preventDefault();
                  props.onDone();
                }}
              >
                Back to sign in
              </Link>
            </p>
          </>
        )}
      </section>
    </main>
  );
}
