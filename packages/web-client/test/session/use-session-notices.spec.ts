import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { useSessionNotices } from '../../src/session/useSessionNotices';
import { cleanupHooks, renderHook } from './render-hook';

afterEach(cleanupHooks);

describe('useSessionNotices', () => {
  it('adds notices with ids of their own, one warning per kind, and dismisses one by its id', async () => {
    const hook = await renderHook(() => useSessionNotices(), undefined);
    await act(async () => {
      hook.result.current.notify({ kind: 'error', message: 'Display lost' });
      hook.result.current.notify({ kind: 'idle-warning', message: 'Idle', secondsLeft: 60 });
      hook.result.current.notify({ kind: 'idle-warning', message: 'Still idle', secondsLeft: 30 });
    });
    const notices = hook.result.current.notices;
    expect(notices.map((notice) => notice.message)).toEqual(['Display lost', 'Still idle']);
    expect(new Set(notices.map((notice) => notice.id)).size).toBe(2);
    expect(notices[1]?.deadline).toBeGreaterThan(Date.now() + 25_000);

    await act(async () => hook.result.current.dismiss(notices[0]!.id));
    expect(hook.result.current.notices.map((notice) => notice.message)).toEqual(['Still idle']);
  });

  it('takes idle warnings away on activity, and leaves everything, the same array included, when there is none', async () => {
    const hook = await renderHook(() => useSessionNotices(), undefined);
    await act(async () => {
      hook.result.current.notify({ kind: 'policy-refusal', message: 'No paste' });
      hook.result.current.notify({ kind: 'idle-warning', message: 'Idle', secondsLeft: 60 });
    });
    await act(async () => hook.result.current.clearIdleWarning());
    const remaining = hook.result.current.notices;
    expect(remaining.map((notice) => notice.kind)).toEqual(['policy-refusal']);

    await act(async () => hook.result.current.clearIdleWarning());
    expect(hook.result.current.notices).toBe(remaining);
  });
});
