import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { downloadCsv, errorText, isAbort } from '../api';
import { type Query } from '../query';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load` whenever `key` changes (a string of everything it depends on) and on reload(); a newer load
 * aborts the older one. The previous data stays shown while the next loads.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted || isAbort(error)) return;
        setState((previous) => ({ ...previous, error: errorText(error), loading: false }));
      },
    );
    return () => controller.abort();
  }, [key, tick]);

  const reload = useCallback(() => setTick((value) => value + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Calls `tick` every `intervalMs` while the page is visible, and at once when it becomes visible again. */
export function useInterval(tick: () => void, intervalMs: number): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = (): void => {
      if (timer === undefined) timer = setInterval(() => tickRef.current(), intervalMs);
    };
    const stop = (): void => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = (): void => {
      if (document.hidden) stop();
      else {
        tickRef.current();
        start();
      }
    };
    if (!document.hidden) start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [intervalMs]);
}

export interface CsvDownload {
  downloading: boolean;
  /** Why the last download failed, until the next one starts. */
  error: string | undefined;
  download: (path: string, query: Query, fileName: string) => Promise<void>;
}

/** Saves a report or the audit log as CSV; `downloading` lets the page disable its button meanwhile. */
export function useCsvDownload(): CsvDownload {
  const [downloading, setDownloading] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const download = async (path: string, query: Query, fileName: string): Promise<void> => {
    setDownloading(true);
    setError(undefined);
    try {
      await downloadCsv(path, query, fileName);
    } catch (failure) {
      setError(`Could not download: ${errorText(failure)}`);
    } finally {
      setDownloading(false);
    }
  };
  return { downloading, error, download };
}

/** Moves focus to a page's heading when it opens, so that keyboard and screen reader users start there. */
export function useFocusOnMount<T extends HTMLElement>(): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus({ preventScroll: true }), []);
  return ref;
}

export const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
