import { type FormEvent, useState } from 'react';
import { ApiError, session } from '../api/http';
import { organizationSlug, returnToOf } from './sso';
import { rememberedOrganization, rememberOrganization } from './sso-organization';
import { SsoChoices } from './SsoChoices';
import { useSettledValue, useSsoProviders } from './useSsoProviders';

/**
 * Sign-in: the IAM password login, and the organization's identity providers once the organization is known:
 * from `?org=` in the page's URL, from the organization field, or else the one of the last successful sign-in.
 */
export function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [organization, setOrganization] = useState(
    () => new URLSearchParams(window.location.search).get('org') ?? '',
  );
  const [remembered] = useState(rememberedOrganization);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [adminSignIn, setAdminSignIn] = useState(false);

  const [settled, settleNow] = useSettledValue(organization);
  // What is typed wins, even when it names no organization: the remembered one is for an empty field only.
  const slug = settled.trim() === '' ? remembered : organizationSlug(settled);
  const choices = useSsoProviders(slug);
  const passwordOff = choices?.passwordLogin === false;
  const showPassword = !passwordOff || adminSignIn;

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!showPassword) {
      settleNow();
      return;
    }
    setBusy(true);
    setError(undefined);
    // The administrator's sign-in of an organization without local passwords is the platform admin's, who may
    // belong to another organization: the one in the field (chosen for its providers) is not theirs to name.
    const named = passwordOff ? '' : organization.trim();
    try {
      await session.login(username, password, named || undefined);
      if (named !== '') rememberOrganization(named);
    } catch (caught) {
      setError(
        caught instanceof ApiError
          ? caught.status === 429
            ? `Too many attempts: try again in ${caught.retryAfterSeconds ?? 'a few'} s.`
            : caught.status === 401
              ? 'The user name or password is wrong.'
              : caught.message
          : 'The gateway cannot be reached.',
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <div className="card login-card">
        <form onSubmit={(event) => void submit(event)} aria-labelledby="login-title" id="login-form">
          <h1 id="login-title">Sign in to WebStream</h1>
          {showPassword && (
            <>
              <label>
                User name
                <input
                  name="username"
                  autoComplete="username"
                  required
                  autoFocus
                  value={username}
                  onChange={(event) => setUsername(event.target.value)}
                />
              </label>
              <label>
                Password
                <input
                  name="password"
                  type="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(event) => setPassword(event.target.value)}
                />
              </label>
            </>
          )}
          <label>
            Organization{' '}
            <span className="hint">
              {passwordOff
                ? '(its sign-in is offered below)'
                : '(for single sign-on, or if your user name exists in several)'}
            </span>
            <input
              name="organization"
              autoComplete="organization"
              value={organization}
              onChange={(event) => setOrganization(event.target.value)}
              onBlur={settleNow}
            />
          </label>
          {error && showPassword && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          {showPassword && (
            <button type="submit" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          )}
        </form>
        {choices && <SsoChoices choices={choices} returnTo={returnToOf(window.location)} />}
        {passwordOff && (
          <button
            type="button"
            className="link-button"
            aria-expanded={adminSignIn}
            aria-controls="login-form"
            onClick={() => setAdminSignIn(!adminSignIn)}
          >
            Administrator sign-in
          </button>
        )}
      </div>
    </main>
  );
}
