import {
  defaultPolicy,
  type MyWorkspace,
  myWorkspacesRoute,
  type SessionStatusResponse,
  sessionStatusRoute,
} from '@webstream/contracts';
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LaunchRecord, loadLaunch, saveLaunch } from '../../src/session/launch';
import { useLaunchRecord } from '../../src/session/useLaunchRecord';
import { cleanupHooks, renderHook } from './render-hook';
import { MemoryStorage } from '../memory-storage';

const SESSION = 's-AAAAAAAAAAAAAAAAAAAAAA';
const WORKSPACE = '0b9d7f4e-6f5c-4b6a-9a51-3c1e2d3f4a5b';
const APP = '1c8e6a3d-5e4b-4a59-8b40-2b0d1c2e3f4a';

const workspace: MyWorkspace = {
  id: WORKSPACE,
  name: 'Office',
  type: 'app',
  description: '',
  applications: [{ id: APP, name: 'Editor', description: '', icon: null, exe: '/usr/bin/gedit', args: '' }],
  policy: { ...defaultPolicy, inputAllowed: false },
};
const status: SessionStatusResponse = {
  sessionId: SESSION,
  state: 'active',
  workspaceId: WORKSPACE,
  appId: APP,
  backendReachable: true,
};
const expected: LaunchRecord = {
  request: {
    workspaceId: WORKSPACE,
    workspaceType: 'app',
    appId: APP,
    appExe: '/usr/bin/gedit',
    appArgs: '',
  },
  workspaceName: 'Office',
  appName: 'Editor',
  policy: workspace.policy,
};

let storage: MemoryStorage;
/** The gateway's answers by path; a test that holds an answer back resolves `release` itself. */
let answers: Record<string, unknown>;
let release: Promise<void>;
const fetchMock = vi.fn(async (url: string): Promise<Response> => {
  await release;
  const path = url.split('?')[0]!;
  return path in answers
    ? new Response(JSON.stringify(answers[path]), { status: 200 })
    : new Response('', { status: 404 });
});

beforeEach(() => {
  storage = new MemoryStorage();
  answers = { [sessionStatusRoute.path]: status, [myWorkspacesRoute.path]: { items: [workspace] } };
  release = Promise.resolve();
  fetchMock.mockClear();
  vi.stubGlobal('sessionStorage', storage);
  vi.stubGlobal('fetch', fetchMock);
});
afterEach(cleanupHooks);

const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

describe('useLaunchRecord', () => {
  it('gives the record this tab stored at launch, without asking the gateway', async () => {
    saveLaunch(storage, SESSION, expected);
    const hook = await renderHook(() => useLaunchRecord(SESSION), undefined);
    await settle();
    expect(hook.result.current).toEqual(expected);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('looks up the session’s workspace and application when the tab has no record, and stores what it found', async () => {
    let answer = (): void => undefined;
    release = new Promise((resolve) => (answer = resolve));
    const hook = await renderHook(() => useLaunchRecord(SESSION), undefined);
    expect(hook.result.current).toBeUndefined();
    answer();
    await settle();
    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual([
      sessionStatusRoute.path,
      myWorkspacesRoute.path,
    ]);
    expect(hook.result.current).toEqual(expected);
    expect(loadLaunch(storage, SESSION)).toEqual(expected);
  });

  it('stays without a record when the session names no workspace, or one the user no longer has', async () => {
    answers[sessionStatusRoute.path] = { sessionId: SESSION, state: 'none', backendReachable: true };
    const unnamed = await renderHook(() => useLaunchRecord(SESSION), undefined);
    await settle();
    expect(unnamed.result.current).toBeUndefined();

    answers[sessionStatusRoute.path] = status;
    answers[myWorkspacesRoute.path] = { items: [] };
    const gone = await renderHook(() => useLaunchRecord(SESSION), undefined);
    await settle();
    expect(gone.result.current).toBeUndefined();
    expect(loadLaunch(storage, SESSION)).toBeUndefined();
  });

  it('stores nothing when the page is gone before the answer', async () => {
    let answer = (): void => undefined;
    release = new Promise((resolve) => (answer = resolve));
    const hook = await renderHook(() => useLaunchRecord(SESSION), undefined);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await hook.unmount();
    answer();
    await settle();
    expect(loadLaunch(storage, SESSION)).toBeUndefined();
  });
});
