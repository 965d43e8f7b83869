import { defaultPolicy, type KeyMessage, type WorkspacePolicy } from '@webstream/contracts';
import { type FormEvent, type KeyboardEvent } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type InputOptions } from '../../src/session/input';
import { type StreamConnection } from '../../src/session/stream-connection';
import { type SessionInputOptions, useSessionInput } from '../../src/session/useSessionInput';
import { cleanupHooks, renderHook } from './render-hook';

const fakes = vi.hoisted(() => {
  class FakeInput {
    static instances: FakeInput[] = [];
    disposed = false;
    readonly typed: string[] = [];
    constructor(
      readonly canvas: unknown,
      readonly options: InputOptions,
    ) {
      FakeInput.instances.push(this);
    }
    typeKey(key: string): void {
      this.typed.push(`key:${key}`);
    }
    typeText(text: string): void {
      this.typed.push(`text:${text}`);
    }
    dispose(): void {
      this.disposed = true;
    }
  }
  return { FakeInput };
});
vi.mock('../../src/session/input', () => ({ InputController: fakes.FakeInput }));

const SESSION = 's-AAAAAAAAAAAAAAAAAAAAAA';
const controller = () => fakes.FakeInput.instances.at(-1)!;

let canvas: { focus: ReturnType<typeof vi.fn> };
let toolbar: { focus: ReturnType<typeof vi.fn> };
let keyboard: { focus: ReturnType<typeof vi.fn> };
let connection: { sendControl: ReturnType<typeof vi.fn>; controlBacklog: number };
let connectionRef: { current: StreamConnection | undefined };

beforeEach(() => {
  fakes.FakeInput.instances = [];
  canvas = { focus: vi.fn() };
  toolbar = { focus: vi.fn() };
  keyboard = { focus: vi.fn() };
  connection = { sendControl: vi.fn(() => true), controlBacklog: 4096 };
  connectionRef = { current: connection as unknown as StreamConnection };
});
afterEach(cleanupHooks);

const options = (overrides: Partial<SessionInputOptions> = {}): SessionInputOptions => ({
  viewOnly: false,
  policy: undefined,
  remoteSize: () => undefined,
  activity: () => undefined,
  refused: () => undefined,
  ...overrides,
});

function mount(initial: SessionInputOptions) {
  const elements = {
    canvas: { current: canvas as unknown as HTMLCanvasElement },
    toolbar: { current: toolbar as unknown as HTMLElement },
    keyboard: { current: keyboard as unknown as HTMLInputElement },
  };
  return renderHook(
    (current: SessionInputOptions) => useSessionInput(SESSION, elements, connectionRef, current),
    initial,
  );
}

describe('useSessionInput', () => {
  it('takes the canvas’s input and focus, and sends on the connection there is at the time', async () => {
    await mount(options());
    expect(controller().canvas).toBe(canvas);
    expect(canvas.focus).toHaveBeenCalledWith({ preventScroll: true });

    const key: KeyMessage = {
      type: 'key',
      action: 'down',
      code: 'KeyA',
      key: 'a',
      modifiers: { shift: false, ctrl: false, alt: false, meta: false },
    };
    expect(controller().options.send(key)).toBe(true);
    expect(connection.sendControl).toHaveBeenCalledWith(key);
    expect(controller().options.backlog()).toBe(4096);

    connectionRef.current = undefined;
    expect(controller().options.send(key)).toBe(false);
    expect(controller().options.backlog()).toBe(0);
  });

  it('asks the latest render whether input is allowed, what the clipboard policy is and where the remote display is', async () => {
    const strict: WorkspacePolicy = {
      ...defaultPolicy,
      clipboard: { inbound: false, outbound: true, maxBytes: 2048 },
    };
    const activity = vi.fn();
    const refused = vi.fn();
    const hook = await mount(options());
    const input = controller().options;
    expect(input.inputAllowed()).toBe(true);
    expect(input.clipboardInbound()).toEqual({ allowed: true, maxBytes: 16 * 1024 * 1024 });
    expect(input.remoteSize()).toBeUndefined();

    await hook.rerender(
      options({
        viewOnly: true,
        policy: strict,
        remoteSize: () => ({ width: 8, height: 6 }),
        activity,
        refused,
      }),
    );
    expect(fakes.FakeInput.instances).toHaveLength(1);
    expect(input.inputAllowed()).toBe(false);
    expect(input.clipboardInbound()).toEqual({ allowed: false, maxBytes: 2048 });
    expect(input.remoteSize()).toEqual({ width: 8, height: 6 });
    input.activity();
    input.notify('No pasting here.');
    expect(activity).toHaveBeenCalledTimes(1);
    expect(refused).toHaveBeenCalledWith('No pasting here.');

    input.release();
    expect(toolbar.focus).toHaveBeenCalled();
  });

  it('sends the on-screen keyboard’s typing key by key and empties its field', async () => {
    const hook = await mount(options());
    const field = { value: '' };
    const typing = (inputType: string, value: string) => {
      field.value = value;
      hook.result.current.onSoftInput({
        currentTarget: field,
        nativeEvent: { inputType },
      } as unknown as FormEvent<HTMLInputElement>);
      return field.value;
    };
    expect(typing('insertText', 'Hé')).toBe('');
    expect(typing('deleteContentBackward', '')).toBe('');
    expect(typing('insertLineBreak', '')).toBe('');
    typing('insertText', '');
    expect(controller().typed).toEqual(['text:Hé', 'key:Backspace', 'key:Enter']);

    hook.result.current.showKeyboard();
    expect(keyboard.focus).toHaveBeenCalled();
  });

  it('sends the keys a field would keep for itself, and leaves the others to the field', async () => {
    const hook = await mount(options());
    const pressed = (key: string) => {
      const preventDefault = vi.fn();
      hook.result.current.onSoftKeyDown({
        key,
        preventDefault,
      } as unknown as KeyboardEvent<HTMLInputElement>);
      return preventDefault.mock.calls.length > 0;
    };
    expect(['Enter', 'Backspace', 'Tab', 'ArrowLeft', 'ArrowUp', 'a', 'Shift'].map(pressed)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(controller().typed).toEqual([
      'key:Enter',
      'key:Backspace',
      'key:Tab',
      'key:ArrowLeft',
      'key:ArrowUp',
    ]);
  });

  it('lets go of the canvas with the page, and the on-screen keyboard sends nothing after', async () => {
    const hook = await mount(options());
    const { onSoftKeyDown } = hook.result.current;
    await hook.unmount();
    expect(controller().disposed).toBe(true);
    onSoftKeyDown({
      key: 'Enter',
      preventDefault: () => undefined,
    } as unknown as KeyboardEvent<HTMLInputElement>);
    expect(controller().typed).toEqual([]);
  });
});
