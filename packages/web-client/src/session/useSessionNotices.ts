import { useCallback, useRef, useState } from 'react';
import { addNotice, type Notice } from './notices';

/** A notice as its source gives it: the id, expiry and deadline are added when it is shown. */
export type NewNotice = Omit<Notice, 'id' | 'expires' | 'deadline'> & { secondsLeft?: number | undefined };

/** The session's notices: added (one per kind for warnings, a few at most), dismissed one by one. */
export function useSessionNotices() {
  const [notices, setNotices] = useState<Notice[]>([]);
  const noticesRef = useRef(notices);
  noticesRef.current = notices;

  const notify = useCallback((notice: NewNotice): void => {
    setNotices((current) => addNotice(current, { ...notice, id: nextNoticeId() }, Date.now()));
  }, []);

  const dismiss = useCallback((id: number): void => {
    setNotices((current) => current.filter((other) => other.id !== id));
  }, []);

  // Called on every key press and wheel turn: the page renders again only when there is a warning to remove.
  const clearIdleWarning = useCallback((): void => {
    if (noticesRef.current.some((notice) => notice.kind === 'idle-warning')) {
      setNotices((current) => current.filter((notice) => notice.kind !== 'idle-warning'));
    }
  }, []);

  return { notices, notify, dismiss, clearIdleWarning };
}

// Ids stay unique across the page's remounts too: a notice's id is its React key.
let noticeCounter = 0;
function nextNoticeId(): number {
  noticeCounter += 1;
  return noticeCounter;
}
