import { type FrameHeader } from '@webstream/contracts';
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FrameRendererEvents, type RendererStats } from '../../src/session/frame-renderer';
import { type StreamConnection } from '../../src/session/stream-connection';
import { useFrameRenderer } from '../../src/session/useFrameRenderer';
import { cleanupHooks, renderHook } from './render-hook';

const fakes = vi.hoisted(() => {
  class FakeRenderer {
    static instances: FakeRenderer[] = [];
    framesDrawn = 0;
    statsCalls = 0;
    disposed = false;
    readonly pushed: { seq: number; bytes: number }[] = [];
    sample: RendererStats = {
      fps: 0,
      frameAgeMs: undefined,
      dropped: 0,
      codec: undefined,
      kbps: 0,
      decodeMs: undefined,
    };
    constructor(
      readonly canvas: unknown,
      readonly events: FrameRendererEvents,
    ) {
      FakeRenderer.instances.push(this);
    }
    push(header: { seq: number }, payload: Uint8Array): void {
      this.pushed.push({ seq: header.seq, bytes: payload.byteLength });
    }
    stats() {
      this.statsCalls += 1;
      return this.sample;
    }
    dispose(): void {
      this.disposed = true;
    }
  }
  return { FakeRenderer };
});
vi.mock('../../src/session/frame-renderer', () => ({ FrameRenderer: fakes.FakeRenderer }));

class FakeMutationObserver {
  static instances: FakeMutationObserver[] = [];
  target: unknown;
  options: MutationObserverInit | undefined;
  disconnected = false;
  constructor(readonly callback: () => void) {
    FakeMutationObserver.instances.push(this);
  }
  observe(target: unknown, options: MutationObserverInit): void {
    this.target = target;
    this.options = options;
  }
  disconnect(): void {
    this.disconnected = true;
  }
}

const SESSION = 's-AAAAAAAAAAAAAAAAAAAAAA';
const header = (seq: number): FrameHeader => ({
  type: 'frame',
  seq,
  timestamp: 0,
  codec: 'jpeg',
  keyframe: true,
  width: 1280,
  height: 720,
  byteLength: 3,
});

let canvas: { style: { cursor: string }; dataset: Record<string, string> };
let connection: { sendCapture: ReturnType<typeof vi.fn> };
const renderer = () => fakes.FakeRenderer.instances.at(-1)!;

beforeEach(() => {
  fakes.FakeRenderer.instances = [];
  FakeMutationObserver.instances = [];
  vi.stubGlobal('MutationObserver', FakeMutationObserver);
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  canvas = { style: { cursor: '' }, dataset: {} };
  connection = { sendCapture: vi.fn(() => true) };
});
afterEach(async () => {
  await cleanupHooks();
  vi.useRealTimers();
});

async function mount() {
  const canvasRef = { current: canvas as unknown as HTMLCanvasElement };
  const connectionRef = { current: connection as unknown as StreamConnection | undefined };
  const hook = await renderHook(() => useFrameRenderer(SESSION, canvasRef, connectionRef), undefined);
  return { hook, connectionRef };
}

describe('useFrameRenderer', () => {
  it('draws frames on the canvas, sends keyframe requests and acks on the connection of the moment, and stops with the page', async () => {
    const { hook, connectionRef } = await mount();
    expect(renderer().canvas).toBe(canvas);
    hook.result.current.frame(header(7), new Uint8Array(3));
    expect(renderer().pushed).toEqual([{ seq: 7, bytes: 3 }]);

    renderer().events.requestKeyframe();
    const reconnected = { sendCapture: vi.fn(() => true) };
    connectionRef.current = reconnected as unknown as StreamConnection;
    renderer().events.acknowledge(7);
    expect(connection.sendCapture).toHaveBeenCalledWith({ type: 'keyframe-request' });
    expect(reconnected.sendCapture).toHaveBeenCalledWith({ type: 'frame-ack', seq: 7 });

    const frame = hook.result.current.frame;
    await hook.unmount();
    expect(renderer().disposed).toBe(true);
    frame(header(8), new Uint8Array(1));
    expect(renderer().pushed).toHaveLength(1);
  });

  it('samples the statistics and the latest round trip once a second, and knows a picture was drawn', async () => {
    const { hook } = await mount();
    const start = hook.result.current.now;
    expect(hook.result.current.stats).toMatchObject({ fps: 0, rttMs: undefined });

    hook.result.current.latency(42);
    Object.assign(renderer().sample, { fps: 30, codec: 'h264', kbps: 1500, frameAgeMs: 12, decodeMs: 2.5 });
    await act(async () => vi.advanceTimersByTime(999));
    expect(hook.result.current.stats.fps).toBe(0);
    await act(async () => vi.advanceTimersByTime(1));
    expect(hook.result.current.stats).toEqual({
      fps: 30,
      rttMs: 42,
      frameAgeMs: 12,
      codec: 'h264',
      kbps: 1500,
      decodeMs: 2.5,
    });
    expect(hook.result.current.now).toBe(start + 1000);
    expect(hook.result.current.hasFrame).toBe(false);

    renderer().framesDrawn = 1;
    await act(async () => vi.advanceTimersByTime(1000));
    expect(hook.result.current.hasFrame).toBe(true);

    const sampled = renderer().statsCalls;
    await hook.unmount();
    vi.advanceTimersByTime(5000);
    expect(renderer().statsCalls).toBe(sampled);
  });

  it('shows the first picture as soon as the canvas says it drew one, then stops watching', async () => {
    const { hook } = await mount();
    const [observer] = FakeMutationObserver.instances;
    expect(observer?.target).toBe(canvas);
    expect(observer?.options).toEqual({ attributes: true, attributeFilter: ['data-frames'] });

    await act(async () => observer!.callback());
    expect(hook.result.current.hasFrame).toBe(false);
    canvas.dataset['frames'] = '1';
    await act(async () => observer!.callback());
    expect(hook.result.current.hasFrame).toBe(true);
    expect(observer!.disconnected).toBe(true);
    expect(FakeMutationObserver.instances).toHaveLength(1);
  });

  it('shows the remote cursor’s shape on the canvas, and the default one when it is hidden or has none', async () => {
    const { hook } = await mount();
    const cursor = (visible: boolean, shape?: string) =>
      hook.result.current.cursor({ type: 'cursor', x: 0, y: 0, visible, ...(shape ? { shape } : {}) });
    cursor(true, 'text');
    expect(canvas.style.cursor).toBe('text');
    cursor(false, 'text');
    expect(canvas.style.cursor).toBe('default');
    cursor(true);
    expect(canvas.style.cursor).toBe('default');
  });
});
