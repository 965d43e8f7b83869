import { type AudioFormatMessage, defaultPolicy, type WorkspacePolicy } from '@webstream/contracts';
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type StreamConnection } from '../../src/session/stream-connection';
import { useSessionSound } from '../../src/session/useSessionSound';
import { cleanupHooks, renderHook } from './render-hook';

const fakes = vi.hoisted(() => {
  class FakePlayer {
    static instances: FakePlayer[] = [];
    /** Set to make the next player fail as a browser without Web Audio does. */
    static failure: Error | undefined;
    format: unknown;
    playable = true;
    closed = false;
    readonly chunks: number[] = [];
    constructor() {
      if (FakePlayer.failure !== undefined) throw FakePlayer.failure;
      FakePlayer.instances.push(this);
    }
    setFormat(format: { codec: string }): void {
      this.format = format;
      this.playable = format.codec !== 'opus';
    }
    push(payload: Uint8Array): void {
      this.chunks.push(payload.byteLength);
    }
    close(): void {
      this.closed = true;
    }
  }
  return { FakePlayer };
});
vi.mock('../../src/session/audio-player', () => ({ AudioPlayer: fakes.FakePlayer }));

const SESSION = 's-AAAAAAAAAAAAAAAAAAAAAA';
const pcm: AudioFormatMessage = { type: 'audio-format', codec: 'pcm-s16le', sampleRate: 48_000, channels: 2 };
const opus: AudioFormatMessage = { ...pcm, codec: 'opus' };
const silent: WorkspacePolicy = { ...defaultPolicy, audio: false };

let setAudio: ReturnType<typeof vi.fn<(on: boolean) => void>>;
beforeEach(() => {
  fakes.FakePlayer.instances = [];
  fakes.FakePlayer.failure = undefined;
  setAudio = vi.fn();
});
afterEach(cleanupHooks);

function mount(policy: WorkspacePolicy | undefined) {
  const connectionRef = { current: { setAudio } as unknown as StreamConnection };
  return renderHook(
    (current: WorkspacePolicy | undefined) => useSessionSound(SESSION, connectionRef, current),
    policy,
  );
}

describe('useSessionSound', () => {
  it('plays /audio only while the user has the sound on, in the format the stream said before', async () => {
    const hook = await mount(defaultPolicy);
    hook.result.current.audioFormat(pcm);
    hook.result.current.audioChunk(new Uint8Array(4));
    expect(hook.result.current.soundOn).toBe(false);
    expect(hook.result.current.wanted()).toBe(false);

    await act(async () => hook.result.current.toggleSound());
    const [player] = fakes.FakePlayer.instances;
    expect(player?.format).toEqual(pcm);
    expect(setAudio).toHaveBeenLastCalledWith(true);
    expect(hook.result.current.soundOn).toBe(true);
    expect(hook.result.current.wanted()).toBe(true);
    hook.result.current.audioChunk(new Uint8Array(8));
    expect(player?.chunks).toEqual([8]);

    await act(async () => hook.result.current.toggleSound());
    expect(player?.closed).toBe(true);
    expect(setAudio).toHaveBeenLastCalledWith(false);
    expect(hook.result.current.soundOn).toBe(false);
    expect(hook.result.current.wanted()).toBe(false);
    hook.result.current.audioChunk(new Uint8Array(2));
    expect(player?.chunks).toEqual([8]);
  });

  it('wants no /audio when the workspace turns sound off, whatever the button says', async () => {
    const hook = await mount(defaultPolicy);
    expect(hook.result.current.soundAllowed).toBe(true);
    await act(async () => hook.result.current.toggleSound());
    const { wanted } = hook.result.current;
    await hook.rerender(silent);
    expect(hook.result.current.soundAllowed).toBe(false);
    expect(wanted()).toBe(false);
  });

  it('says when the browser cannot play the stream’s codec or /audio closed, and why', async () => {
    const hook = await mount(defaultPolicy);
    await act(async () => hook.result.current.toggleSound());
    await act(async () => hook.result.current.audioFormat(opus));
    expect(hook.result.current.soundNote).toBe('This browser cannot play opus sound.');
    await act(async () => hook.result.current.audioFormat(pcm));
    expect(hook.result.current.soundNote).toBeUndefined();

    const closed = { code: 4000, reason: 'policy-refusal', reconnect: false };
    await act(async () =>
      hook.result.current.audioClosed({ ...closed, message: 'Sound is off.', detail: 'by policy' }),
    );
    expect(hook.result.current.soundNote).toBe('Sound is off. (by policy)');
    await act(async () => hook.result.current.audioClosed({ ...closed, message: 'Sound is off.' }));
    expect(hook.result.current.soundNote).toBe('Sound is off.');
  });

  it('stays off with a note when the browser cannot play sound at all', async () => {
    fakes.FakePlayer.failure = new Error('This browser cannot play sound.');
    const hook = await mount(defaultPolicy);
    await act(async () => hook.result.current.toggleSound());
    expect(hook.result.current.soundOn).toBe(false);
    expect(hook.result.current.soundNote).toBe('This browser cannot play sound.');
    expect(setAudio).not.toHaveBeenCalled();
  });

  it('closes the player with the page', async () => {
    const hook = await mount(defaultPolicy);
    await act(async () => hook.result.current.toggleSound());
    await hook.unmount();
    expect(fakes.FakePlayer.instances[0]?.closed).toBe(true);
  });
});
