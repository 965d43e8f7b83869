import {
  encodeAudioChunkMessage,
  encodeFrameMessage,
  type FrameHeader,
  type WsErrorMessage,
} from '@webstream/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Channel,
  dispatchMessage,
  type MessageEvents,
  RecentErrors,
} from '../../src/session/channel-messages';

interface Dispatched {
  events: [keyof MessageEvents, ...unknown[]][];
  errors: WsErrorMessage[];
}

function dispatch(channel: Channel, data: ArrayBuffer | string): Dispatched {
  const seen: Dispatched = { events: [], errors: [] };
  const record =
    (name: keyof MessageEvents) =>
    (...args: unknown[]): void =>
      void seen.events.push([name, ...args]);
  const events: MessageEvents = {
    frame: record('frame'),
    capture: record('capture'),
    control: record('control'),
    latency: record('latency'),
    audioFormat: record('audioFormat'),
    audioChunk: record('audioChunk'),
  };
  dispatchMessage(channel, data, events, (error) => void seen.errors.push(error));
  return seen;
}

const text = (message: object): string => JSON.stringify(message);
const binary = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer;
const payload = new Uint8Array([1, 2, 3]);
const frame = binary(
  encodeFrameMessage({ seq: 7, timestamp: 1, codec: 'jpeg', keyframe: true, width: 2, height: 2 }, payload),
);
const chunk = binary(encodeAudioChunkMessage({ seq: 3, timestamp: 1 }, payload));
const idleError: WsErrorMessage = { type: 'error', code: 'idle-timeout', message: 'idle for 30 minutes' };

describe('dispatchMessage', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives binary messages as frames on /capture and sound chunks on /audio, and ignores them on /control', () => {
    const [name, header, framePayload] = dispatch('capture', frame).events[0]!;
    expect(name).toBe('frame');
    expect(header).toMatchObject<Partial<FrameHeader>>({ seq: 7, codec: 'jpeg', byteLength: 3 });
    expect(framePayload).toEqual(payload);
    expect(dispatch('audio', chunk).events).toEqual([['audioChunk', payload]]);
    expect(dispatch('control', frame).events).toEqual([]);
  });

  it('turns a pong into the round trip, never negative, instead of a control message', () => {
    vi.spyOn(performance, 'now').mockReturnValue(1500);
    expect(dispatch('control', text({ type: 'pong', t: 1200 })).events).toEqual([['latency', 300]]);
    expect(dispatch('control', text({ type: 'pong', t: 1600 })).events).toEqual([['latency', 0]]);
  });

  it('passes the text messages of /capture and /control on as their schema reads them', () => {
    const cursor = { type: 'cursor', x: 4, y: 5, visible: true };
    expect(dispatch('capture', text(cursor)).events).toEqual([['capture', cursor]]);
    const notice = { type: 'notice', kind: 'view-only', message: 'This workspace is view-only.' };
    expect(dispatch('control', text(notice)).events).toEqual([['control', notice]]);
  });

  it('notes an error message on every channel, and passes it on except on /audio', () => {
    for (const channel of ['capture', 'control'] as const) {
      expect(dispatch(channel, text(idleError))).toEqual({
        events: [[channel, idleError]],
        errors: [idleError],
      });
    }
    expect(dispatch('audio', text(idleError))).toEqual({ events: [], errors: [idleError] });
    const format = { type: 'audio-format', codec: 'opus', sampleRate: 48_000, channels: 2 };
    expect(dispatch('audio', text(format))).toEqual({ events: [['audioFormat', format]], errors: [] });
  });

  it('skips what it cannot read: broken JSON, a message of another channel, a truncated frame', () => {
    expect(dispatch('control', '{"type":')).toEqual({ events: [], errors: [] });
    expect(dispatch('control', text({ type: 'cursor', x: 1, y: 1, visible: true }))).toEqual({
      events: [],
      errors: [],
    });
    expect(dispatch('capture', frame.slice(0, 10)).events).toEqual([]);
  });
});

describe('RecentErrors', () => {
  afterEach(() => vi.useRealTimers());

  it("explains a dropped socket by the error message it sent just before, and only that socket's", () => {
    vi.useFakeTimers({ now: 0 });
    const errors = new RecentErrors();
    errors.note('capture', idleError);
    vi.setSystemTime(4999);
    expect(errors.describeClose('capture', 1006)).toMatchObject({
      reason: 'idle-timeout',
      reconnect: false,
      detail: 'idle for 30 minutes',
    });
    expect(errors.describeClose('control', 1006)).toMatchObject({ reconnect: true });
    expect(errors.describeClose('control', 1006).detail).toBeUndefined();
  });

  it('no longer counts an error message as the reason 5 s after it, nor after clear()', () => {
    vi.useFakeTimers({ now: 0 });
    const errors = new RecentErrors();
    errors.note('control', idleError);
    vi.setSystemTime(5000);
    expect(errors.describeClose('control', 1006)).toMatchObject({ reconnect: true });
    errors.note('control', idleError);
    errors.clear();
    expect(errors.describeClose('control', 1006)).toMatchObject({ reconnect: true });
  });
});
