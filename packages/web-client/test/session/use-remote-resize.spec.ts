import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type StreamConnection } from '../../src/session/stream-connection';
import { useRemoteResize } from '../../src/session/useRemoteResize';
import { cleanupHooks, renderHook } from './render-hook';

class FakeResizeObserver {
  static instances: FakeResizeObserver[] = [];
  observed: unknown[] = [];
  disconnected = false;
  constructor(readonly callback: () => void) {
    FakeResizeObserver.instances.push(this);
  }
  observe(target: unknown): void {
    this.observed.push(target);
  }
  disconnect(): void {
    this.disconnected = true;
  }
}

const SESSION = 's-AAAAAAAAAAAAAAAAAAAAAA';
let box: { width: number; height: number };
let stage: { getBoundingClientRect: () => DOMRect };
let sendCapture: ReturnType<typeof vi.fn<(message: unknown) => boolean>>;
const requests = () => sendCapture.mock.calls.map(([message]) => message);
const observer = () => FakeResizeObserver.instances.at(-1)!;

beforeEach(() => {
  FakeResizeObserver.instances = [];
  vi.stubGlobal('ResizeObserver', FakeResizeObserver);
  vi.stubGlobal('window', { devicePixelRatio: 2 });
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  box = { width: 800, height: 600 };
  stage = { getBoundingClientRect: () => ({ left: 0, top: 0, ...box }) as DOMRect };
  sendCapture = vi.fn(() => true);
});
afterEach(async () => {
  await cleanupHooks();
  vi.useRealTimers();
});

async function mount() {
  const stageRef = { current: stage as unknown as HTMLElement };
  const connectionRef = { current: { sendCapture } as unknown as StreamConnection };
  return renderHook(() => useRemoteResize(SESSION, stageRef, connectionRef), undefined);
}

describe('useRemoteResize', () => {
  it('asks for the stage’s size in device pixels once per connection, and not for the size the display has', async () => {
    const { result } = await mount();
    result.current.request();
    result.current.request();
    expect(requests()).toEqual([{ type: 'resize-request', width: 1600, height: 1200 }]);

    result.current.connectionChanged({ phase: 'reconnecting', message: 'Reconnecting…' });
    result.current.connectionChanged({ phase: 'connected' });
    result.current.frameSized({ width: 1600, height: 1200 });
    result.current.request();
    expect(requests()).toHaveLength(1);
    expect(result.current.remoteSize()).toEqual({ width: 1600, height: 1200 });

    result.current.connectionChanged({ phase: 'reconnecting' });
    result.current.frameSized({ width: 1024, height: 768 });
    result.current.request();
    expect(requests()).toHaveLength(2);
  });

  it('asks again for a request the connection could not send, and never for an empty stage', async () => {
    const { result } = await mount();
    sendCapture.mockReturnValueOnce(false);
    result.current.request();
    result.current.request();
    expect(requests()).toHaveLength(2);

    box = { width: 0, height: 600 };
    result.current.request();
    expect(requests()).toHaveLength(2);
  });

  it('follows the stage’s size once it has stopped changing for a moment, until the page is gone', async () => {
    const { unmount } = await mount();
    expect(observer().observed).toEqual([stage]);
    observer().callback();
    vi.advanceTimersByTime(200);
    box = { width: 1000, height: 500 };
    observer().callback();
    vi.advanceTimersByTime(299);
    expect(requests()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(requests()).toEqual([{ type: 'resize-request', width: 2000, height: 1000 }]);

    box = { width: 900, height: 500 };
    observer().callback();
    await unmount();
    vi.advanceTimersByTime(1000);
    expect(observer().disconnected).toBe(true);
    expect(requests()).toHaveLength(1);
  });

  it('takes an error during a request as its answer, and stops asking after a refusal by policy', async () => {
    const { result } = await mount();
    const error = (code: 'policy-refusal' | 'internal-error') => ({
      type: 'error' as const,
      code,
      message: 'no',
    });
    expect(result.current.answeredWith(error('internal-error'))).toBe(false);

    result.current.request();
    expect(result.current.answeredWith(error('internal-error'))).toBe(true);
    expect(result.current.answeredWith(error('internal-error'))).toBe(false);

    box = { width: 640, height: 480 };
    result.current.request();
    result.current.resized({ type: 'resize', width: 1280, height: 960 });
    expect(result.current.remoteSize()).toEqual({ width: 1280, height: 960 });
    expect(result.current.answeredWith(error('internal-error'))).toBe(false);

    box = { width: 320, height: 240 };
    result.current.request();
    expect(result.current.answeredWith(error('policy-refusal'))).toBe(true);
    box = { width: 1024, height: 768 };
    result.current.connectionChanged({ phase: 'reconnecting' });
    result.current.request();
    expect(requests()).toHaveLength(3);
  });

  it('starts over for another session', async () => {
    const stageRef = { current: stage as unknown as HTMLElement };
    const connectionRef = { current: { sendCapture } as unknown as StreamConnection };
    const hook = await renderHook(
      (sessionId: string) => useRemoteResize(sessionId, stageRef, connectionRef),
      SESSION,
    );
    hook.result.current.request();
    hook.result.current.answeredWith({ type: 'error', code: 'policy-refusal', message: 'no' });
    await hook.rerender('s-BBBBBBBBBBBBBBBBBBBBBB');
    expect(FakeResizeObserver.instances[0]?.disconnected).toBe(true);
    hook.result.current.request();
    expect(requests()).toHaveLength(2);
  });
});
