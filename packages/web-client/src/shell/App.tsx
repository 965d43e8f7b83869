import { SSO_LANDING_PATH } from '@webstream/contracts';
import { useEffect, useState } from 'react';
import { session } from '../api/http';
import { AdminConsole } from '../admin/AdminConsole';
import { SessionPage } from '../session/SessionPage';
import { WorkspacesPage } from '../workspaces/WorkspacesPage';
import { Link } from './Link';
import { LoginPage } from './LoginPage';
import { matchPath, navigate, usePath } from './router';
import { readLanding } from './sso';
import { SsoLanding } from './SsoLanding';

const ADMIN_ROLES = new Set(['platform-admin', 'org-admin']);

/** The signed-in user's pages; the session page takes the whole window and has no header. */
export function App() {
  const path = usePath();
  const [user, setUser] = useState(session.user);
  // A single sign-on's answer the page was opened with (/sign-in#code=…), until it is dealt with.
  const [landing, setLanding] = useState(() => readLanding(window.location));
  const [resuming, setResuming] = useState(landing === undefined);

  useEffect(() => {
    const off = session.onChange(setUser);
    // Not while a sign-in lands: the tab's older refresh token must not race the new sign-in's tokens.
    if (landing === undefined) void session.resume().finally(() => setResuming(false));
    return off;
    // Once, for the page as it was opened: a landing that ends later has signed in, or failed to.
  }, []);

  // Signed in on the sign-in page (a password sign-in there, or an old bookmark): the workspaces instead.
  const signedInOnSignInPage = user !== undefined && landing === undefined && path === SSO_LANDING_PATH;
  useEffect(() => {
    if (signedInOnSignInPage) navigate('/', { replace: true });
  }, [signedInOnSignInPage]);

  if (landing !== undefined) return <SsoLanding landing={landing} onDone={() => setLanding(undefined)} />;
  if (resuming) return <p className="loading">Loading…</p>;
  if (user === undefined) return <LoginPage />;

  const live = matchPath('/session/:sessionId', path);
  if (live) return <SessionPage sessionId={live['sessionId']!} />;

  const isAdmin = ADMIN_ROLES.has(user.role);
  const inAdmin = matchPath('/admin/*', path) !== undefined;
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">WebStream</span>
        <nav aria-label="Main">
          <Link href="/" aria-current={!inAdmin ? 'page' : undefined}>
            Workspaces
          </Link>
          {isAdmin && (
            <Link href="/admin/users" aria-current={inAdmin ? 'page' : undefined}>
              Administration
            </Link>
          )}
        </nav>
        <span className="who">{user.username}</span>
        <button
          type="button"
          onClick={() => {
            // When the browser is on its way to the identity provider's logout, the page stays as it is.
            void session.logout().then((leaving) => {
              if (!leaving) navigate('/', { replace: true });
            });
          }}
        >
          Sign out
        </button>
      </header>
      {inAdmin && isAdmin ? <AdminConsole path={path} user={user} /> : <WorkspacesPage />}
    </div>
  );
}
