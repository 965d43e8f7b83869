import {
  type MyWorkspace,
  SESSION_ID_HEADER,
  sessionSelectRoute,
  type SessionSelectRequest,
  type SessionSelectResponse,
  type WorkspacePolicy,
} from '@webstream/contracts';
import { ApiError, session } from '../api/http';
import { sessionTraceparent } from './session-trace';

/** What a session was launched with: enough to select it again on reconnect and to honour its policy. */
export interface LaunchRecord {
  request: SessionSelectRequest;
  workspaceName: string;
  appName: string;
  policy: WorkspacePolicy;
}

const STORAGE_PREFIX = 'webstream.launch.';
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;

/** A fresh session id (crypto.getRandomValues works on plain http too, unlike crypto.randomUUID). */
export function newSessionId(
  fill: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer> = (bytes) =>
    crypto.getRandomValues(bytes),
): string {
  const bytes = fill(new Uint8Array(16));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `s-${btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

export function isSessionId(value: string): boolean {
  return SESSION_ID_PATTERN.test(value);
}

export function launchRecordFor(workspace: MyWorkspace, appId: string): LaunchRecord | undefined {
  const app = workspace.applications.find((candidate) => candidate.id === appId);
  if (app === undefined) return undefined;
  return {
    request: {
      workspaceId: workspace.id,
      workspaceType: workspace.type,
      appId: app.id,
      appExe: app.exe,
      appArgs: app.args,
    },
    workspaceName: workspace.name,
    appName: app.name,
    policy: workspace.policy,
  };
}

export function saveLaunch(storage: Storage, sessionId: string, record: LaunchRecord): void {
  try {
    storage.setItem(STORAGE_PREFIX + sessionId, JSON.stringify(record));
  } catch {
    // Storage full or disabled: the session still runs, it just cannot be selected again after a reload.
  }
}

export function loadLaunch(storage: Storage, sessionId: string): LaunchRecord | undefined {
  try {
    const text = storage.getItem(STORAGE_PREFIX + sessionId);
    if (text === null) return undefined;
    const value = JSON.parse(text) as Partial<LaunchRecord> | null;
    if (value?.request === undefined || value.policy === undefined) return undefined;
    return value as LaunchRecord;
  } catch {
    return undefined;
  }
}

export function forgetLaunch(storage: Storage, sessionId: string): void {
  try {
    storage.removeItem(STORAGE_PREFIX + sessionId);
  } catch {
    // Nothing to forget.
  }
}

/** POST /gateway/session/select for `sessionId`. */
export function selectSession(
  sessionId: string,
  request: SessionSelectRequest,
): Promise<SessionSelectResponse> {
  return session.call(
    sessionSelectRoute,
    { body: request, headers: { [SESSION_ID_HEADER]: sessionId } },
    { traceparent: sessionTraceparent(sessionId) },
  );
}

/** What to tell the user when a launch (session select) failed. */
export function selectErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return 'The gateway could not be reached. Check your connection and try again.';
  }
  const wait = error.retryAfterSeconds === undefined ? 'a moment' : seconds(error.retryAfterSeconds);
  switch (error.status) {
    case 409:
      if (error.message.startsWith('user-limit')) {
        return 'You already run as many sessions as you may. End one of them, then try again.';
      }
      if (error.message.startsWith('workspace-full')) {
        return 'This workspace already runs as many sessions as it may. Try again later.';
      }
      return `The session could not be started: ${error.message}`;
    case 403:
      return `You may not launch this application: ${error.message}`;
    case 429:
      return `Too many attempts. Try again in ${wait}.`;
    case 503:
      return `No session host has room right now. Try again in ${wait}.`;
    default:
      return `The session could not be started: ${error.message}`;
  }
}

function seconds(value: number): string {
  const whole = Math.ceil(value);
  return whole === 1 ? '1 second' : `${whole} seconds`;
}
