import { type WorkspacePolicy } from '@webstream/contracts';
import { useCallback, useRef, useState } from 'react';

/**
 * Text the session copied: put on the browser's clipboard where the browser lets the page write it, else held
 * (`clipboardText`) for a panel the user copies it from. Dropped when the workspace keeps the clipboard in.
 */
export function useSessionClipboard(policy: WorkspacePolicy | undefined) {
  const [clipboardText, setClipboardText] = useState<string | undefined>();
  // Read when the text arrives, from a socket callback that outlives renders.
  const policyRef = useRef(policy);
  policyRef.current = policy;

  const receiveClipboard = useCallback((text: string): void => {
    if (policyRef.current?.clipboard.outbound === false) return;
    const write = navigator.clipboard?.writeText?.bind(navigator.clipboard);
    if (write === undefined) {
      setClipboardText(text);
      return;
    }
    write(text).then(
      () => setClipboardText(undefined),
      () => setClipboardText(text),
    );
  }, []);

  const closeClipboard = useCallback((): void => setClipboardText(undefined), []);

  return { clipboardText, receiveClipboard, closeClipboard };
}
