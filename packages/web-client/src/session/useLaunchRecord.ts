import { myWorkspacesRoute, SESSION_ID_HEADER, sessionStatusRoute } from '@webstream/contracts';
import { useEffect, useState } from 'react';
import { session } from '../api/http';
import { type LaunchRecord, launchRecordFor, loadLaunch, saveLaunch } from './launch';

/**
 * What the session was launched with: the record this tab stored when it launched the session, or — when the
 * page was opened from a link or another tab — the session's workspace and application looked up and stored,
 * so that a reconnect can select the session again.
 */
export function useLaunchRecord(sessionId: string): LaunchRecord | undefined {
  const [launch, setLaunch] = useState<LaunchRecord | undefined>(() => loadLaunch(sessionStorage, sessionId));

  useEffect(() => {
    if (launch !== undefined) return;
    const controller = new AbortController();
    void findLaunch(sessionId, controller.signal).then((found) => {
      if (found === undefined || controller.signal.aborted) return;
      saveLaunch(sessionStorage, sessionId, found);
      setLaunch(found);
    });
    return () => controller.abort();
  }, [launch, sessionId]);

  return launch;
}

/** The launch record of a session this tab did not start: its workspace and application from the IAM. */
async function findLaunch(sessionId: string, signal: AbortSignal): Promise<LaunchRecord | undefined> {
  try {
    const status = await session.call(
      sessionStatusRoute,
      { headers: { [SESSION_ID_HEADER]: sessionId } },
      { signal },
    );
    if (status.workspaceId === undefined || status.appId === undefined) return undefined;
    const answer = await session.call(myWorkspacesRoute, {}, { signal });
    const workspace = answer.items.find((item) => item.id === status.workspaceId);
    return workspace === undefined ? undefined : launchRecordFor(workspace, status.appId);
  } catch {
    return undefined;
  }
}
