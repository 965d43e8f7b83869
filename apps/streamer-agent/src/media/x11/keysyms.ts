/** The keys whose KeyboardEvent.code and KeyboardEvent.key have the same name. */
const KEYS_NAMED_ALIKE: Readonly<Record<string, string>> = {
  Enter: 'Return',
  Backspace: 'BackSpace',
  Tab: 'Tab',
  Escape: 'Escape',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  Home: 'Home',
  End: 'End',
  PageUp: 'Page_Up',
  PageDown: 'Page_Down',
  Insert: 'Insert',
  Delete: 'Delete',
};

/**
 * KeyboardEvent.code (the physical key) → X keysym name of that key on a US layout, which is Xvfb's keymap. Going
 * by the physical key lets the session's own Shift/AltGr state pick the character, as on a local keyboard.
 */
const CODE_KEYSYMS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Array.from('abcdefghijklmnopqrstuvwxyz', (c) => [`Key${c.toUpperCase()}`, c])),
  ...Object.fromEntries(Array.from('0123456789', (d) => [`Digit${d}`, d])),
  ...Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`F${i + 1}`, `F${i + 1}`])),
  Minus: 'minus',
  Equal: 'equal',
  BracketLeft: 'bracketleft',
  BracketRight: 'bracketright',
  Backslash: 'backslash',
  IntlBackslash: 'less',
  Semicolon: 'semicolon',
  Quote: 'apostrophe',
  Backquote: 'grave',
  Comma: 'comma',
  Period: 'period',
  Slash: 'slash',
  Space: 'space',
  ...KEYS_NAMED_ALIKE,
  CapsLock: 'Caps_Lock',
  ShiftLeft: 'Shift_L',
  ShiftRight: 'Shift_R',
  ControlLeft: 'Control_L',
  ControlRight: 'Control_R',
  AltLeft: 'Alt_L',
  AltRight: 'Alt_R',
  MetaLeft: 'Super_L',
  MetaRight: 'Super_R',
  ContextMenu: 'Menu',
  PrintScreen: 'Print',
  ScrollLock: 'Scroll_Lock',
  Pause: 'Pause',
  NumLock: 'Num_Lock',
  ...Object.fromEntries(Array.from('0123456789', (d) => [`Numpad${d}`, `KP_${d}`])),
  NumpadAdd: 'KP_Add',
  NumpadSubtract: 'KP_Subtract',
  NumpadMultiply: 'KP_Multiply',
  NumpadDivide: 'KP_Divide',
  NumpadDecimal: 'KP_Decimal',
  NumpadEnter: 'KP_Enter',
  NumpadEqual: 'KP_Equal',
};

/** KeyboardEvent.key for the named keys a browser may send without a usable code (virtual keyboards). */
const NAMED_KEY_KEYSYMS: Readonly<Record<string, string>> = {
  ...KEYS_NAMED_ALIKE,
  ' ': 'space',
  Shift: 'Shift_L',
  Control: 'Control_L',
  Alt: 'Alt_L',
  Meta: 'Super_L',
};

/** Printable ASCII → keysym name, for a key whose code is unknown ("Unidentified", Intl keys, IMEs). */
const CHAR_KEYSYMS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    Array.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', (c) => [c, c]),
  ),
  '!': 'exclam',
  '"': 'quotedbl',
  '#': 'numbersign',
  $: 'dollar',
  '%': 'percent',
  '&': 'ampersand',
  "'": 'apostrophe',
  '(': 'parenleft',
  ')': 'parenright',
  '*': 'asterisk',
  '+': 'plus',
  ',': 'comma',
  '-': 'minus',
  '.': 'period',
  '/': 'slash',
  ':': 'colon',
  ';': 'semicolon',
  '<': 'less',
  '=': 'equal',
  '>': 'greater',
  '?': 'question',
  '@': 'at',
  '[': 'bracketleft',
  '\\': 'backslash',
  ']': 'bracketright',
  '^': 'asciicircum',
  _: 'underscore',
  '`': 'grave',
  '{': 'braceleft',
  '|': 'bar',
  '}': 'braceright',
  '~': 'asciitilde',
};

/** Every name this module can return matches this; checked again before anything reaches xdotool. */
export const SAFE_KEYSYM = /^[A-Za-z0-9_]{1,32}$/;

function own(table: Readonly<Record<string, string>>, name: string): string | undefined {
  // hasOwn: a code like "constructor" or "__proto__" must not find Object.prototype's members.
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

const NO_MODIFIERS = { shift: false, ctrl: false, alt: false, meta: false };

/**
 * The X keysym for a key, or undefined when the key is unknown (the caller ignores it). A printable character
 * typed with no modifier held is sent as that character, whatever the physical key: the browser's layout, a
 * virtual keyboard or an IME decided it (an uppercase letter can come without a Shift event), and xdotool
 * presses what Xvfb's layout needs for it. With a modifier held (Shift, shortcuts) and for named keys, the
 * physical key is sent, and the held modifier does the rest as on Xvfb's US layout.
 */
export function keysymFor(
  code: string,
  key: string,
  modifiers: { shift: boolean; ctrl: boolean; alt: boolean; meta: boolean } = NO_MODIFIERS,
): string | undefined {
  const held = modifiers.shift || modifiers.ctrl || modifiers.alt || modifiers.meta;
  const typed = key.length === 1 && !held ? own(CHAR_KEYSYMS, key) : undefined;
  const keysym = typed ?? own(CODE_KEYSYMS, code) ?? own(NAMED_KEY_KEYSYMS, key) ?? own(CHAR_KEYSYMS, key);
  return keysym !== undefined && SAFE_KEYSYM.test(keysym) ? keysym : undefined;
}
