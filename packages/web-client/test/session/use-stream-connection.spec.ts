import { defaultPolicy, type FrameHeader } from '@webstream/contracts';
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LaunchRecord } from '../../src/session/launch';
import { type StreamConnection, type StreamEvents } from '../../src/session/stream-connection';
import { type StreamConnectionOptions, useStreamConnection } from '../../src/session/useStreamConnection';
import { cleanupHooks, renderHook } from './render-hook';

const fakes = vi.hoisted(() => {
  class FakeConnection {
    static instances: FakeConnection[] = [];
    started = 0;
    disposed = false;
    constructor(
      readonly sessionId: string,
      readonly launch: () => unknown,
      readonly events: StreamEvents,
      readonly options: { audio(): boolean; codecs(): readonly string[]; audioCodecs(): readonly string[] },
    ) {
      FakeConnection.instances.push(this);
    }
    start(): void {
      this.started += 1;
    }
    dispose(): void {
      this.disposed = true;
    }
  }
  /** What the browser answers about its decoders, when the test says so. */
  const answers = {
    h264: (_: boolean): void => undefined,
    opus: (_: boolean): void => undefined,
  };
  const ask = (codec: 'h264' | 'opus') => new Promise<boolean>((resolve) => (answers[codec] = resolve));
  return { FakeConnection, answers, ask };
});
vi.mock('../../src/session/stream-connection', () => ({ StreamConnection: fakes.FakeConnection }));
vi.mock('../../src/session/h264-decoder', () => ({ canDecodeH264: () => fakes.ask('h264') }));
vi.mock('../../src/session/audio-player', () => ({ canDecodeOpus: () => fakes.ask('opus') }));

const SESSION = 's-AAAAAAAAAAAAAAAAAAAAAA';
const launch: LaunchRecord = {
  request: { workspaceId: 'w', workspaceType: 'app', appId: 'a', appExe: 'x', appArgs: '' },
  workspaceName: 'Office',
  appName: 'Editor',
  policy: defaultPolicy,
};
const header: FrameHeader = {
  type: 'frame',
  seq: 1,
  timestamp: 0,
  codec: 'jpeg',
  keyframe: true,
  width: 2,
  height: 2,
  byteLength: 1,
};
const connection = () => fakes.FakeConnection.instances.at(-1)!;

function recordingEvents(log: string[], name: string): StreamEvents {
  const note = (event: string) => () => void log.push(`${name}:${event}`);
  return {
    view: (view) => void log.push(`${name}:view:${view.phase}`),
    opened: note('opened'),
    frame: note('frame'),
    capture: note('capture'),
    control: note('control'),
    latency: note('latency'),
    audioFormat: note('audioFormat'),
    audioChunk: note('audioChunk'),
    audioClosed: note('audioClosed'),
  };
}

let connectionRef: { current: StreamConnection | undefined };
beforeEach(() => {
  fakes.FakeConnection.instances = [];
  connectionRef = { current: undefined };
});
afterEach(cleanupHooks);

function mount(options: StreamConnectionOptions, sessionId = SESSION) {
  return renderHook(
    (props: { sessionId: string; options: StreamConnectionOptions }) =>
      useStreamConnection(props.sessionId, connectionRef, props.options),
    { sessionId, options },
  );
}

const answer = (h264: boolean, opus: boolean) =>
  act(async () => {
    fakes.answers.h264(h264);
    fakes.answers.opus(opus);
  });

describe('useStreamConnection', () => {
  it('starts once the browser has said what it decodes, and offers that best first', async () => {
    await mount({ launch, events: recordingEvents([], 'page'), audio: () => false });
    expect(connectionRef.current).toBe(connection());
    expect(connection().sessionId).toBe(SESSION);
    expect(connection().started).toBe(0);
    expect(connection().options.codecs()).toEqual(['jpeg']);
    expect(connection().options.audioCodecs()).toEqual(['pcm-s16le']);

    await answer(true, true);
    expect(connection().started).toBe(1);
    expect(connection().options.codecs()).toEqual(['h264', 'jpeg']);
    expect(connection().options.audioCodecs()).toEqual(['opus', 'pcm-s16le']);
  });

  it('keeps to JPEG and PCM where WebCodecs cannot decode H.264 or Opus', async () => {
    await mount({ launch, events: recordingEvents([], 'page'), audio: () => false });
    await answer(false, false);
    expect(connection().started).toBe(1);
    expect(connection().options.codecs()).toEqual(['jpeg']);
    expect(connection().options.audioCodecs()).toEqual(['pcm-s16le']);
  });

  it('returns the connection’s view, and gives its events, launch and sound to what the latest render says', async () => {
    const log: string[] = [];
    const hook = await mount({
      launch: undefined,
      events: recordingEvents(log, 'first'),
      audio: () => false,
    });
    expect(hook.result.current).toEqual({ phase: 'connecting' });
    expect(connection().launch()).toBeUndefined();

    await act(async () => connection().events.view({ phase: 'reconnecting', message: 'Reconnecting…' }));
    expect(hook.result.current).toEqual({ phase: 'reconnecting', message: 'Reconnecting…' });

    await hook.rerender({
      sessionId: SESSION,
      options: { launch, events: recordingEvents(log, 'second'), audio: () => true },
    });
    expect(fakes.FakeConnection.instances).toHaveLength(1);
    await act(async () => connection().events.view({ phase: 'connected' }));
    connection().events.opened();
    connection().events.frame(header, new Uint8Array(1));
    connection().events.audioChunk(new Uint8Array(1));
    expect(hook.result.current).toEqual({ phase: 'connected' });
    expect(log).toEqual([
      'first:view:reconnecting',
      'second:view:connected',
      'second:opened',
      'second:frame',
      'second:audioChunk',
    ]);
    expect(connection().launch()).toBe(launch);
    expect(connection().options.audio()).toBe(true);
  });

  it('disposes of the connection with the page, and does not start it when the page is gone first', async () => {
    const hook = await mount({ launch, events: recordingEvents([], 'page'), audio: () => false });
    const first = connection();
    await hook.unmount();
    expect(first.disposed).toBe(true);
    expect(connectionRef.current).toBeUndefined();
    await answer(true, true);
    expect(first.started).toBe(0);
  });

  it('opens a new connection for another session', async () => {
    const options = { launch, events: recordingEvents([], 'page'), audio: () => false };
    const hook = await mount(options);
    const first = connection();
    await hook.rerender({ sessionId: 's-BBBBBBBBBBBBBBBBBBBBBB', options });
    expect(first.disposed).toBe(true);
    expect(connection()).not.toBe(first);
    expect(connection().sessionId).toBe('s-BBBBBBBBBBBBBBBBBBBBBB');
    expect(connectionRef.current).toBe(connection());
  });
});
