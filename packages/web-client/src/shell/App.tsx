import { useEffect, useState } from 'react';
import { session } from '../api/http';
import { AdminConsole } from '../admin/AdminConsole';
import { SessionPage } from '../session/SessionPage';
import { WorkspacesPage } from '../workspaces/WorkspacesPage';
import { Link } from './Link';
import { LoginPage } from './LoginPage';
import { matchPath, navigate, usePath } from './router';

const ADMIN_ROLES = new Set(['platform-admin', 'org-admin']);

/** The signed-in user's pages; the session page takes the whole window and has no header. */
export function App() {
  const path = usePath();
  const [user, setUser] = useState(session.user);
  const [resuming, setResuming] = useState(true);

  useEffect(() => {
    const off = session.onChange(setUser);
    void session.resume().finally(() => setResuming(false));
    return off;
  }, []);

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
            void session.logout().then(() => navigate('/', { replace: true }));
          }}
        >
          Sign out
        </button>
      </header>
      {inAdmin && isAdmin ? <AdminConsole path={path} user={user} /> : <WorkspacesPage />}
    </div>
  );
}
