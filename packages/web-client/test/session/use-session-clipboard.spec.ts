import { defaultPolicy, type WorkspacePolicy } from '@webstream/contracts';
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useSessionClipboard } from '../../src/session/useSessionClipboard';
import { cleanupHooks, renderHook } from './render-hook';

afterEach(cleanupHooks);

const keepsClipboardIn: WorkspacePolicy = {
  ...defaultPolicy,
  clipboard: { ...defaultPolicy.clipboard, outbound: false },
};

function browserClipboard(writeText: ((text: string) => Promise<void>) | undefined) {
  vi.stubGlobal('navigator', { clipboard: writeText === undefined ? undefined : { writeText } });
}

describe('useSessionClipboard', () => {
  it('puts copied text on the browser clipboard, with no panel', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    browserClipboard(writeText);
    const hook = await renderHook(() => useSessionClipboard(defaultPolicy), undefined);
    await act(async () => hook.result.current.receiveClipboard('copied'));
    expect(writeText).toHaveBeenCalledWith('copied');
    expect(hook.result.current.clipboardText).toBeUndefined();
  });

  it('holds the text for the panel when the browser refuses the write or has no clipboard, until closed', async () => {
    browserClipboard(() => Promise.reject(new Error('no focus')));
    const refused = await renderHook(() => useSessionClipboard(defaultPolicy), undefined);
    await act(async () => refused.result.current.receiveClipboard('refused'));
    expect(refused.result.current.clipboardText).toBe('refused');
    await act(async () => refused.result.current.closeClipboard());
    expect(refused.result.current.clipboardText).toBeUndefined();

    browserClipboard(undefined);
    const none = await renderHook(() => useSessionClipboard(undefined), undefined);
    await act(async () => none.result.current.receiveClipboard('plain http'));
    expect(none.result.current.clipboardText).toBe('plain http');
  });

  it('drops the text when the workspace keeps the clipboard in, by the policy of the latest render', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    browserClipboard(writeText);
    const hook = await renderHook(
      (policy: WorkspacePolicy | undefined) => useSessionClipboard(policy),
      undefined,
    );
    const receive = hook.result.current.receiveClipboard;
    await hook.rerender(keepsClipboardIn);
    await act(async () => receive('secret'));
    expect(writeText).not.toHaveBeenCalled();
    expect(hook.result.current.clipboardText).toBeUndefined();
  });
});
