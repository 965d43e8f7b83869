import { type LaunchableApplication, type MyWorkspace, myWorkspacesRoute } from '@webstream/contracts';
import { useCallback, useEffect, useState } from 'react';
import { session } from '../api/http';
import { navigate } from '../shell/router';
import {
  launchRecordFor,
  newSessionId,
  saveLaunch,
  selectErrorMessage,
  selectSession,
} from '../session/launch';
import './workspaces.css';

type Load =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; workspaces: MyWorkspace[] };

/** The signed-in user's workspaces and their applications, each one click from a session. */
export function WorkspacesPage() {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [launching, setLaunching] = useState<string | undefined>();
  const [launchError, setLaunchError] = useState<{ key: string; message: string } | undefined>();

  const fetchWorkspaces = useCallback((signal?: AbortSignal) => {
    setLoad({ state: 'loading' });
    session
      .call(myWorkspacesRoute, {}, signal ? { signal } : {})
      .then((answer) => setLoad({ state: 'ready', workspaces: answer.items }))
      .catch((error: unknown) => {
        if (signal?.aborted) return;
        setLoad({
          state: 'error',
          message: error instanceof Error ? error.message : 'The workspaces could not be loaded.',
        });
      });
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    fetchWorkspaces(controller.signal);
    return () => controller.abort();
  }, [fetchWorkspaces]);

  const launch = async (workspace: MyWorkspace, app: LaunchableApplication): Promise<void> => {
    const key = `${workspace.id}/${app.id}`;
    const record = launchRecordFor(workspace, app.id);
    if (record === undefined) return;
    setLaunching(key);
    setLaunchError(undefined);
    const sessionId = newSessionId();
    try {
      await selectSession(sessionId, record.request);
    } catch (error) {
      setLaunchError({ key, message: selectErrorMessage(error) });
      setLaunching(undefined);
      return;
    }
    saveLaunch(sessionStorage, sessionId, record);
    navigate(`/session/${encodeURIComponent(sessionId)}`);
  };

  return (
    <main className="workspaces" aria-labelledby="workspaces-title" aria-busy={load.state === 'loading'}>
      <h1 id="workspaces-title">Your workspaces</h1>
      {load.state === 'loading' && <p className="workspaces-note">Loading your workspaces…</p>}
      {load.state === 'error' && (
        <div className="workspaces-note" role="alert">
          <p className="error">{load.message}</p>
          <button type="button" onClick={() => fetchWorkspaces()}>
            Try again
          </button>
        </div>
      )}
      {load.state === 'ready' && load.workspaces.length === 0 && (
        <p className="workspaces-note">
          No workspaces are available to you yet. Ask your administrator to give you access to one.
        </p>
      )}
      {load.state === 'ready' && load.workspaces.length > 0 && (
        <div className="workspace-grid">
          {load.workspaces.map((workspace) => (
            <article key={workspace.id} className="card workspace-card" aria-label={workspace.name}>
              <header>
                <h2>{workspace.name}</h2>
                <span className="workspace-type">
                  {workspace.type === 'desktop' ? 'Desktop' : 'Applications'}
                </span>
              </header>
              {workspace.description !== '' && (
                <p className="workspace-description">{workspace.description}</p>
              )}
              <PolicyBadges workspace={workspace} />
              {workspace.applications.length === 0 ? (
                <p className="hint">This workspace has no applications yet.</p>
              ) : (
                <ul className="app-list">
                  {workspace.applications.map((app) => {
                    const key = `${workspace.id}/${app.id}`;
                    const busy = launching === key;
                    return (
                      <li key={app.id} className="app-item">
                        <AppIcon app={app} />
                        <div className="app-text">
                          <span className="app-name">{app.name}</span>
                          {app.description !== '' && <span className="hint">{app.description}</span>}
                        </div>
                        <button
                          type="button"
                          className="primary"
                          disabled={launching !== undefined}
                          aria-busy={busy}
                          onClick={() => void launch(workspace, app)}
                        >
                          {busy ? `Starting ${app.name}…` : `Launch ${app.name}`}
                        </button>
                        {launchError?.key === key && (
                          <p className="error app-error" role="alert">
                            {launchError.message}
                          </p>
                        )}
                      </li>
                    );
                  })}
                </ul>
              )}
            </article>
          ))}
        </div>
      )}
    </main>
  );
}

function AppIcon(props: { app: LaunchableApplication }) {
  const [broken, setBroken] = useState(false);
  const { icon, name } = props.app;
  if (icon !== null && icon !== '' && !broken && /^(https?:|data:image\/)/.test(icon)) {
    return (
      <img className="app-icon" src={icon} alt="" width={32} height={32} onError={() => setBroken(true)} />
    );
  }
  return (
    <span className="app-icon app-icon-letter" aria-hidden="true">
      {name.trim().charAt(0).toUpperCase() || '?'}
    </span>
  );
}

function PolicyBadges(props: { workspace: MyWorkspace }) {
  const { policy } = props.workspace;
  const badges: string[] = [];
  if (!policy.inputAllowed) badges.push('View only');
  if (!policy.audio) badges.push('No sound');
  if (!policy.clipboard.inbound && !policy.clipboard.outbound) badges.push('No clipboard');
  else if (!policy.clipboard.inbound) badges.push('No pasting in');
  else if (!policy.clipboard.outbound) badges.push('No copying out');
  if (badges.length === 0) return null;
  return (
    <ul className="policy-badges" aria-label="Workspace restrictions">
      {badges.map((badge) => (
        <li key={badge}>{badge}</li>
      ))}
    </ul>
  );
}
