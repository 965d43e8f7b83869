import { type ControlClientMessage, type KeyMessage, type WheelMessage } from '@webstream/contracts';
import { type Size, toRemotePoint } from './geometry';
import {
  codeFromKey,
  isPasteShortcut,
  keyMessageFor,
  type KeyEventLike,
  RELEASE_HOLD_MS,
  shouldPreventDefault,
} from './keyboard';

export interface InputOptions {
  send(message: ControlClientMessage): boolean;
  /** Bytes still queued on /control: pointer moves wait while it is backed up. */
  backlog(): number;
  remoteSize(): Size | undefined;
  inputAllowed(): boolean;
  clipboardInbound(): { allowed: boolean; maxBytes: number };
  /** Escape was held: the keyboard goes back to the page. */
  release(): void;
  /** The user did something (clears an idle warning). */
  activity(): void;
  /** Something the user should know (a refused paste). */
  notify(message: string): void;
}

const MAX_WHEEL_DELTA = 100_000;
const MAX_CONTROL_BACKLOG = 256 * 1024;
/** How long a paste shortcut waits for the browser's paste event before the key goes on alone. */
const PASTE_WAIT_MS = 150;

type PendingMove =
  | { kind: 'pointer'; x: number; y: number; buttons: number }
  | { kind: 'touch'; id: number; x: number; y: number };

/**
 * Keyboard, pointer, wheel, touch and paste on the remote display's canvas, turned into /control messages:
 * coordinates in remote pixels, moves and wheel coalesced to one message per animation frame, keys held when
 * focus leaves released on the remote side, and a paste shortcut held back until its clipboard is sent.
 */
export class InputController {
  private readonly pressed = new Map<string, KeyMessage>();
  private pendingMove: PendingMove | undefined;
  private pendingWheel: WheelMessage | undefined;
  private pendingPaste: KeyMessage | undefined;
  private pasteTimer: ReturnType<typeof setTimeout> | undefined;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  private raf = 0;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly options: InputOptions,
  ) {
    this.listen(canvas, 'keydown', (event) => this.keydown(event));
    this.listen(canvas, 'keyup', (event) => this.keyup(event));
    this.listen(canvas, 'blur', () => this.releaseKeys());
    this.listen(canvas, 'pointerdown', (event) => this.pointerdown(event));
    this.listen(canvas, 'pointermove', (event) => this.pointermove(event));
    this.listen(canvas, 'pointerup', (event) => this.pointerup(event));
    this.listen(canvas, 'pointercancel', (event) => this.pointercancel(event));
    this.listen(canvas, 'contextmenu', (event) => event.preventDefault());
    this.listen(canvas, 'wheel', (event) => this.wheel(event), { passive: false });
    this.listen(document, 'paste', (event) => this.paste(event));
  }

  dispose(): void {
    this.releaseKeys();
    for (const cleanup of this.cleanups) cleanup();
    cancelAnimationFrame(this.raf);
    clearTimeout(this.pasteTimer);
    clearTimeout(this.holdTimer);
  }

  /** Text typed into the on-screen keyboard's field (tablets): each character as a key press. */
  typeText(text: string): void {
    if (!this.options.inputAllowed()) return;
    for (const char of text) {
      const lower = char.toLowerCase();
      const code = codeFromKey(char === ' ' ? ' ' : lower);
      if (code === undefined) continue;
      const event: KeyEventLike = {
        code,
        key: char,
        shiftKey: char !== lower,
        ctrlKey: false,
        altKey: false,
        metaKey: false,
      };
      this.tap(event);
    }
  }

  /** A named key (Backspace, Enter …) from the on-screen keyboard's field. */
  typeKey(key: string): void {
    if (!this.options.inputAllowed()) return;
    const code = codeFromKey(key);
    if (code === undefined) return;
    this.tap({ code, key, shiftKey: false, ctrlKey: false, altKey: false, metaKey: false });
  }

  private tap(event: KeyEventLike): void {
    const down = keyMessageFor(event, 'down');
    const up = keyMessageFor(event, 'up');
    if (down === undefined || up === undefined) return;
    this.options.send(down);
    this.options.send(up);
    this.options.activity();
  }

  private listen<K extends keyof HTMLElementEventMap>(
    target: HTMLElement | Document,
    type: K,
    handler: (event: HTMLElementEventMap[K]) => void,
    options?: AddEventListenerOptions,
  ): void {
    const listener = handler as EventListener;
    target.addEventListener(type, listener, options);
    this.cleanups.push(() => target.removeEventListener(type, listener, options));
  }

  // Keyboard

  private keydown(event: KeyboardEvent): void {
    if (!this.options.inputAllowed()) return;
    if (shouldPreventDefault(event)) event.preventDefault();
    if (event.code === 'Escape' && !event.repeat) {
      clearTimeout(this.holdTimer);
      this.holdTimer = setTimeout(() => {
        this.releaseKeys();
        this.options.release();
      }, RELEASE_HOLD_MS);
    }
    const message = keyMessageFor(event, 'down');
    if (message === undefined) return;
    this.options.activity();
    if (isPasteShortcut(event) && this.options.clipboardInbound().allowed && !event.repeat) {
      this.flushPaste();
      this.pendingPaste = message;
      this.pasteTimer = setTimeout(() => this.flushPaste(), PASTE_WAIT_MS);
      return;
    }
    this.pressed.set(message.code, message);
    this.options.send(message);
  }

  private keyup(event: KeyboardEvent): void {
    if (event.code === 'Escape') clearTimeout(this.holdTimer);
    if (!this.options.inputAllowed()) return;
    if (shouldPreventDefault(event)) event.preventDefault();
    this.flushPaste();
    const message = keyMessageFor(event, 'up');
    if (message === undefined || !this.pressed.has(message.code)) return;
    this.pressed.delete(message.code);
    this.options.send(message);
  }

  /** Every key the session saw go down goes up (focus left, Escape held, the page closes). */
  private releaseKeys(): void {
    clearTimeout(this.holdTimer);
    this.flushPaste();
    for (const message of this.pressed.values()) this.options.send({ ...message, action: 'up' });
    this.pressed.clear();
  }

  private flushPaste(): void {
    clearTimeout(this.pasteTimer);
    const message = this.pendingPaste;
    this.pendingPaste = undefined;
    if (message === undefined) return;
    this.pressed.set(message.code, message);
    this.options.send(message);
  }

  private paste(event: ClipboardEvent): void {
    if (document.activeElement !== this.canvas) return;
    event.preventDefault();
    const text = event.clipboardData?.getData('text/plain') ?? '';
    const policy = this.options.clipboardInbound();
    if (text !== '' && this.options.inputAllowed()) {
      if (!policy.allowed) {
        this.options.notify('Pasting into this session is not allowed by its workspace.');
      } else if (new TextEncoder().encode(text).length > policy.maxBytes) {
        this.options.notify(`The clipboard is over this workspace's limit of ${policy.maxBytes} bytes.`);
      } else {
        this.options.send({ type: 'clipboard', mimeType: 'text/plain', data: text });
      }
    }
    this.flushPaste();
  }

  // Pointer, touch and wheel

  private point(event: { clientX: number; clientY: number }): { x: number; y: number } | undefined {
    const remote = this.options.remoteSize();
    if (remote === undefined) return undefined;
    const { x, y } = toRemotePoint(event.clientX, event.clientY, this.canvas.getBoundingClientRect(), remote);
    return { x, y };
  }

  private pointerdown(event: PointerEvent): void {
    this.canvas.focus({ preventScroll: true });
    if (!this.options.inputAllowed()) return;
    event.preventDefault();
    const point = this.point(event);
    if (point === undefined) return;
    try {
      this.canvas.setPointerCapture(event.pointerId);
    } catch {
      // Not capturable (already released): moves outside the canvas are simply not seen.
    }
    this.flushMoves();
    this.options.activity();
    if (event.pointerType === 'touch') {
      if (!event.isPrimary) return;
      this.options.send({ type: 'touch', action: 'start', touches: [{ id: touchId(event), ...point }] });
      return;
    }
    this.options.send({ type: 'pointer', action: 'move', ...point, button: 0, buttons: buttonsOf(event) });
    this.options.send({
      type: 'pointer',
      action: 'down',
      ...point,
      button: buttonOf(event),
      buttons: buttonsOf(event),
    });
  }

  private pointermove(event: PointerEvent): void {
    if (!this.options.inputAllowed()) return;
    if (event.pointerType === 'touch' && !event.isPrimary) return;
    const point = this.point(event);
    if (point === undefined) return;
    this.pendingMove =
      event.pointerType === 'touch'
        ? { kind: 'touch', id: touchId(event), ...point }
        : { kind: 'pointer', ...point, buttons: buttonsOf(event) };
    this.schedule();
  }

  private pointerup(event: PointerEvent): void {
    if (!this.options.inputAllowed()) return;
    const point = this.point(event);
    if (point === undefined) return;
    this.flushMoves();
    if (this.canvas.hasPointerCapture(event.pointerId)) this.canvas.releasePointerCapture(event.pointerId);
    if (event.pointerType === 'touch') {
      if (!event.isPrimary) return;
      this.options.send({ type: 'touch', action: 'end', touches: [{ id: touchId(event), ...point }] });
      return;
    }
    this.options.send({
      type: 'pointer',
      action: 'up',
      ...point,
      button: buttonOf(event),
      buttons: buttonsOf(event),
    });
  }

  private pointercancel(event: PointerEvent): void {
    if (!this.options.inputAllowed() || event.pointerType !== 'touch' || !event.isPrimary) return;
    const point = this.point(event);
    if (point === undefined) return;
    this.pendingMove = undefined;
    this.options.send({ type: 'touch', action: 'cancel', touches: [{ id: touchId(event), ...point }] });
  }

  private wheel(event: WheelEvent): void {
    event.preventDefault();
    if (!this.options.inputAllowed()) return;
    const point = this.point(event);
    if (point === undefined) return;
    const deltaMode = event.deltaMode === 1 || event.deltaMode === 2 ? event.deltaMode : 0;
    const pending = this.pendingWheel;
    if (pending !== undefined && pending.deltaMode !== deltaMode) this.flushMoves();
    const previous = this.pendingWheel;
    this.pendingWheel = {
      type: 'wheel',
      ...point,
      deltaX: clampDelta((previous?.deltaX ?? 0) + event.deltaX),
      deltaY: clampDelta((previous?.deltaY ?? 0) + event.deltaY),
      deltaMode,
    };
    this.options.activity();
    this.schedule();
  }

  private schedule(): void {
    if (this.raf === 0) this.raf = requestAnimationFrame(() => this.flushMoves());
  }

  /** The newest move and the summed wheel of this animation frame. */
  private flushMoves(): void {
    cancelAnimationFrame(this.raf);
    this.raf = 0;
    const move = this.pendingMove;
    this.pendingMove = undefined;
    if (move !== undefined) {
      if (move.kind === 'touch') {
        this.options.send({
          type: 'touch',
          action: 'move',
          touches: [{ id: move.id, x: move.x, y: move.y }],
        });
      } else if (move.buttons !== 0 || this.options.backlog() < MAX_CONTROL_BACKLOG) {
        this.options.send({
          type: 'pointer',
          action: 'move',
          x: move.x,
          y: move.y,
          button: 0,
          buttons: move.buttons,
        });
      }
    }
    const wheel = this.pendingWheel;
    this.pendingWheel = undefined;
    if (wheel !== undefined && (wheel.deltaX !== 0 || wheel.deltaY !== 0)) this.options.send(wheel);
  }
}

/** PointerEvent.button as the protocol takes it (0–4); -1 (no change) and pen buttons count as the main one. */
export function buttonOf(event: { button: number }): number {
  return event.button >= 0 && event.button <= 4 ? event.button : 0;
}

export function buttonsOf(event: { buttons: number }): number {
  return event.buttons & 0xff;
}

function touchId(event: PointerEvent): number {
  return Math.abs(Math.trunc(event.pointerId)) % 1_000_000;
}

function clampDelta(value: number): number {
  return Math.max(-MAX_WHEEL_DELTA, Math.min(MAX_WHEEL_DELTA, value));
}
