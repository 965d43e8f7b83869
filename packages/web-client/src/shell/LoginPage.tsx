import { type FormEvent, useState } from 'react';
import { ApiError, session } from '../api/http';

/** Sign-in: the IAM login; the organization is only needed where a user name exists in several. */
export function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [organization, setOrganization] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await session.login(username, password, organization || undefined);
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
      <form onSubmit={(event) => void submit(event)} aria-labelledby="login-title" className="card">
        <h1 id="login-title">Sign in to WebStream</h1>
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
        <label>
          Organization <span className="hint">(only if your user name exists in several)</span>
          <input
            name="organization"
            autoComplete="organization"
            value={organization}
            onChange={(event) => setOrganization(event.target.value)}
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
