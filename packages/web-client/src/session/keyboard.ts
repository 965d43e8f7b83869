import { type KeyMessage } from '@webstream/contracts';

/** The parts of a KeyboardEvent the mapping reads (so it can be tested without a DOM). */
export interface KeyEventLike {
  code: string;
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  isComposing?: boolean;
}

/** Holding Escape this long hands the keyboard back to the page (focus moves to the toolbar). */
export const RELEASE_HOLD_MS = 1000;

const MAX_FIELD = 64;

const NAMED_KEYS = new Set([
  'Enter',
  'Tab',
  'Backspace',
  'Escape',
  'Delete',
  'Insert',
  'Home',
  'End',
  'PageUp',
  'PageDown',
  'ArrowUp',
  'ArrowDown',
  'ArrowLeft',
  'ArrowRight',
  'CapsLock',
  'ContextMenu',
  'PrintScreen',
  'ScrollLock',
  'Pause',
  'NumLock',
]);

const PUNCTUATION: Record<string, string> = {
  ' ': 'Space',
  '-': 'Minus',
  '=': 'Equal',
  '[': 'BracketLeft',
  ']': 'BracketRight',
  '\\': 'Backslash',
  ';': 'Semicolon',
  "'": 'Quote',
  ',': 'Comma',
  '.': 'Period',
  '/': 'Slash',
  '`': 'Backquote',
};

const MODIFIER_CODES: Record<string, string> = {
  Shift: 'ShiftLeft',
  Control: 'ControlLeft',
  Alt: 'AltLeft',
  Meta: 'MetaLeft',
  AltGraph: 'AltRight',
};

/**
 * A physical key code for a key when the browser gave none (some on-screen keyboards and IMEs send an empty
 * `code`): letters, digits, named keys and unshifted US punctuation; undefined when there is no sensible one.
 */
export function codeFromKey(key: string): string | undefined {
  if (/^[a-z]$/i.test(key)) return `Key${key.toUpperCase()}`;
  if (/^[0-9]$/.test(key)) return `Digit${key}`;
  if (/^F([1-9]|1[0-9]|2[0-4])$/.test(key)) return key;
  if (NAMED_KEYS.has(key)) return key;
  return PUNCTUATION[key] ?? MODIFIER_CODES[key];
}

/** The /control key message for a keyboard event, or undefined for events that are not keys (IME composition). */
export function keyMessageFor(event: KeyEventLike, action: 'down' | 'up'): KeyMessage | undefined {
  if (event.isComposing === true || event.key === 'Process') return undefined;
  const code = event.code !== '' && event.code !== 'Unidentified' ? event.code : codeFromKey(event.key);
  if (code === undefined) return undefined;
  return {
    type: 'key',
    action,
    code: code.slice(0, MAX_FIELD),
    key: event.key.slice(0, MAX_FIELD),
    modifiers: {
      shift: event.shiftKey,
      ctrl: event.ctrlKey,
      alt: event.altKey,
      meta: event.metaKey,
    },
  };
}

/**
 * Paste shortcuts (Ctrl/⌘+V, Shift+Insert) are left to the browser so that it fires a `paste` event with the
 * local clipboard, which is sent to the session before the key itself.
 */
export function isPasteShortcut(event: KeyEventLike): boolean {
  const isV = event.code === 'KeyV' || event.key === 'v' || event.key === 'V';
  if (isV && (event.ctrlKey || event.metaKey) && !event.altKey) return true;
  return event.code === 'Insert' && event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey;
}

/**
 * Whether the page keeps the browser from acting on a key sent to the session: everything (Tab, Backspace,
 * arrows, F-keys, Space, Ctrl combinations …) except the paste shortcuts. Combinations the browser reserves
 * (Ctrl+W, Ctrl+T, Alt+F4) cannot be stopped by any page.
 */
export function shouldPreventDefault(event: KeyEventLike): boolean {
  return !isPasteShortcut(event);
}
