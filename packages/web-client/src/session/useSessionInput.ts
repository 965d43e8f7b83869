import { type WorkspacePolicy } from '@webstream/contracts';
import { type FormEvent, type KeyboardEvent, type RefObject, useEffect, useRef } from 'react';
import { type Size } from './geometry';
import { InputController } from './input';
import { type StreamConnection } from './stream-connection';

/** Until the workspace's policy is known (a page opened from a link), pastes up to this size are sent. */
const UNKNOWN_POLICY_MAX_CLIPBOARD_BYTES = 16 * 1024 * 1024;

export interface SessionInputElements {
  canvas: RefObject<HTMLCanvasElement | null>;
  /** Where the keyboard goes when the user holds Escape to leave the display. */
  toolbar: RefObject<HTMLElement | null>;
  /** The on-screen keyboard's field (tablets). */
  keyboard: RefObject<HTMLInputElement | null>;
}

export interface SessionInputOptions {
  viewOnly: boolean;
  policy: WorkspacePolicy | undefined;
  remoteSize: () => Size | undefined;
  /** The user did something: an idle warning goes away. */
  activity: () => void;
  /** A paste the workspace refused, for the user. */
  refused: (message: string) => void;
}

/**
 * The user's keyboard, pointer, wheel, touch and paste on the remote display sent to the session on /control (an
 * InputController per session, the canvas focused so that it takes the keys from the start), and the on-screen
 * keyboard's field, whose typing is sent key by key.
 */
export function useSessionInput(
  sessionId: string,
  elements: SessionInputElements,
  connectionRef: RefObject<StreamConnection | undefined>,
  options: SessionInputOptions,
) {
  const { canvas: canvasRef, toolbar: toolbarRef, keyboard: keyboardRef } = elements;
  const inputRef = useRef<InputController | undefined>(undefined);
  // The controller asks on every event: it gets what the latest render knows (view only may come later).
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (canvas === null) return;
    const input = new InputController(canvas, {
      send: (message) => connectionRef.current?.sendControl(message) ?? false,
      backlog: () => connectionRef.current?.controlBacklog ?? 0,
      remoteSize: () => optionsRef.current.remoteSize(),
      inputAllowed: () => !optionsRef.current.viewOnly,
      clipboardInbound: () => {
        const clipboard = optionsRef.current.policy?.clipboard;
        return {
          allowed: clipboard?.inbound !== false,
          maxBytes: clipboard?.maxBytes ?? UNKNOWN_POLICY_MAX_CLIPBOARD_BYTES,
        };
      },
      release: () => toolbarRef.current?.focus(),
      activity: () => optionsRef.current.activity(),
      notify: (message) => optionsRef.current.refused(message),
    });
    inputRef.current = input;
    canvas.focus({ preventScroll: true });
    return () => {
      input.dispose();
      inputRef.current = undefined;
    };
  }, [sessionId, canvasRef, toolbarRef, connectionRef]);

  const showKeyboard = (): void => {
    keyboardRef.current?.focus();
  };

  const onSoftInput = (event: FormEvent<HTMLInputElement>): void => {
    const field = event.currentTarget;
    const native = event.nativeEvent as InputEvent;
    if (native.inputType === 'deleteContentBackward') inputRef.current?.typeKey('Backspace');
    else if (native.inputType === 'insertLineBreak') inputRef.current?.typeKey('Enter');
    else if (field.value !== '') inputRef.current?.typeText(field.value);
    field.value = '';
  };

  const onSoftKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (
      event.key === 'Enter' ||
      event.key === 'Backspace' ||
      event.key === 'Tab' ||
      event.key.startsWith('Arrow')
    ) {
      event.preventDefault();
      inputRef.current?.typeKey(event.key);
    }
  };

  return { showKeyboard, onSoftInput, onSoftKeyDown };
}
