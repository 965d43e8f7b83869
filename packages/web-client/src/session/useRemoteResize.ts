import { type ResizeMessage, type WsErrorMessage } from '@webstream/contracts';
import { type RefObject, useEffect, useMemo, useRef } from 'react';
import { resizeRequestSize, type Size } from './geometry';
import { type ConnectionView, type StreamConnection } from './stream-connection';

const RESIZE_DEBOUNCE_MS = 300;

interface ResizeState {
  /** The remote display's size, from its frames and resize messages. */
  remote: Size | undefined;
  /** The size last asked for on this connection: asked again only when the stage changes. */
  lastRequested: Size | undefined;
  /** The session refused a request by policy: the picture is scaled from then on, and nothing asked again. */
  refused: boolean;
  /** A request awaits its answer: a resize message, or an error on /capture. */
  pending: boolean;
}

const fresh = (): ResizeState => ({
  remote: undefined,
  lastRequested: undefined,
  refused: false,
  pending: false,
});

/**
 * Keeps the remote display the size of the stage, in device pixels: asked for when the connection opens and,
 * debounced, whenever the stage changes size, until the session refuses by policy (the picture is scaled
 * instead). Also knows the remote display's size, which input needs to place the pointer.
 */
export function useRemoteResize(
  sessionId: string,
  stageRef: RefObject<HTMLElement | null>,
  connectionRef: RefObject<StreamConnection | undefined>,
) {
  const state = useRef<ResizeState>(fresh());

  const handlers = useMemo(() => {
    const request = (): void => {
      const stage = stageRef.current;
      const current = state.current;
      if (current.refused || stage === null) return;
      const box = stage.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) return;
      const size = resizeRequestSize(box, window.devicePixelRatio);
      if (sameSize(current.remote, size) || sameSize(current.lastRequested, size)) return;
      if (connectionRef.current?.sendCapture({ type: 'resize-request', ...size }) === true) {
        current.lastRequested = size;
        current.pending = true;
      }
    };
    return {
      request,
      remoteSize: (): Size | undefined => state.current.remote,
      /** A new connection gets the stage's size even if the last one was asked for it already. */
      connectionChanged: (view: ConnectionView): void => {
        if (view.phase !== 'connected') state.current.lastRequested = undefined;
      },
      frameSized: (size: Size): void => {
        state.current.remote = { width: size.width, height: size.height };
      },
      resized: (message: ResizeMessage): void => {
        state.current.remote = { width: message.width, height: message.height };
        state.current.pending = false;
      },
      /**
       * An error on /capture while a request is pending is its answer: true when it was taken as one (the
       * session cannot change its display size), false when it is an error to show.
       */
      answeredWith: (error: WsErrorMessage): boolean => {
        const current = state.current;
        if (!current.pending) return false;
        current.pending = false;
        current.refused = error.code === 'policy-refusal';
        return true;
      },
    };
  }, [stageRef, connectionRef]);

  useEffect(() => {
    const stage = stageRef.current;
    if (stage === null) return;
    state.current = fresh();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const observer = new ResizeObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(handlers.request, RESIZE_DEBOUNCE_MS);
    });
    observer.observe(stage);
    return () => {
      clearTimeout(timer);
      observer.disconnect();
    };
  }, [sessionId, stageRef, handlers]);

  return handlers;
}

function sameSize(a: Size | undefined, b: Size): boolean {
  return a !== undefined && a.width === b.width && a.height === b.height;
}
