import { type CursorMessage, type FrameHeader } from '@webstream/contracts';
import { type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import { FrameRenderer } from './frame-renderer';
import { type StreamConnection } from './stream-connection';

/** What the status line shows besides the connection's state. */
export interface StreamStats {
  fps: number;
  rttMs: number | undefined;
  frameAgeMs: number | undefined;
  codec: string | undefined;
  kbps: number;
  decodeMs: number | undefined;
}

const STATS_INTERVAL_MS = 1000;

const NO_STATS: StreamStats = {
  fps: 0,
  rttMs: undefined,
  frameAgeMs: undefined,
  codec: undefined,
  kbps: 0,
  decodeMs: undefined,
};

/**
 * The remote display's canvas for one session: frames drawn by a FrameRenderer (which asks the connection for
 * keyframes and acknowledges frames), the remote cursor's shape, the statistics sampled once a second with the
 * latest round trip, and whether a picture has been drawn yet. `now` is the time of the last sample: the
 * notices' countdowns move with it.
 */
export function useFrameRenderer(
  sessionId: string,
  canvasRef: RefObject<HTMLCanvasElement | null>,
  connectionRef: RefObject<StreamConnection | undefined>,
) {
  const rendererRef = useRef<FrameRenderer | undefined>(undefined);
  const rttRef = useRef<number | undefined>(undefined);
  const [stats, setStats] = useState<StreamStats>(NO_STATS);
  const [now, setNow] = useState(() => Date.now());
  const [hasFrame, setHasFrame] = useState(false);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (canvas === null) return;
    rttRef.current = undefined;
    const renderer = new FrameRenderer(canvas, {
      requestKeyframe: () => connectionRef.current?.sendCapture({ type: 'keyframe-request' }),
      acknowledge: (seq) => connectionRef.current?.sendCapture({ type: 'frame-ack', seq }),
    });
    rendererRef.current = renderer;

    const tick = setInterval(() => {
      const rendered = renderer.stats();
      setStats({
        fps: rendered.fps,
        rttMs: rttRef.current,
        frameAgeMs: rendered.frameAgeMs,
        codec: rendered.codec,
        kbps: rendered.kbps,
        decodeMs: rendered.decodeMs,
      });
      setNow(Date.now());
      if (renderer.framesDrawn > 0) setHasFrame(true);
    }, STATS_INTERVAL_MS);

    return () => {
      clearInterval(tick);
      renderer.dispose();
      rendererRef.current = undefined;
    };
  }, [sessionId, canvasRef, connectionRef]);

  // The first picture shows up without waiting for the next sample.
  useEffect(() => {
    if (hasFrame) return;
    const canvas = canvasRef.current;
    if (canvas === null) return;
    const observer = new MutationObserver(() => {
      if (canvas.dataset['frames'] !== undefined) setHasFrame(true);
    });
    observer.observe(canvas, { attributes: true, attributeFilter: ['data-frames'] });
    return () => observer.disconnect();
  }, [hasFrame, canvasRef]);

  const handlers = useMemo(
    () => ({
      /** A /capture frame to draw. */
      frame: (header: FrameHeader, payload: Uint8Array): void => rendererRef.current?.push(header, payload),
      cursor: (message: CursorMessage): void => {
        const canvas = canvasRef.current;
        if (canvas !== null) canvas.style.cursor = message.visible ? (message.shape ?? 'default') : 'default';
      },
      /** The control socket's round trip, shown with the next sample. */
      latency: (ms: number): void => {
        rttRef.current = ms;
      },
    }),
    [canvasRef],
  );

  return { stats, now, hasFrame, ...handlers };
}
