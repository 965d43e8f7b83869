import { describe, expect, it } from 'vitest';
import {
  codeFromKey,
  isPasteShortcut,
  keyMessageFor,
  type KeyEventLike,
  shouldPreventDefault,
} from '../../src/session/keyboard';

const event = (overrides: Partial<KeyEventLike>): KeyEventLike => ({
  code: 'KeyA',
  key: 'a',
  shiftKey: false,
  ctrlKey: false,
  altKey: false,
  metaKey: false,
  ...overrides,
});

describe('keyMessageFor', () => {
  it('keeps code and key apart and carries every modifier', () => {
    expect(keyMessageFor(event({ code: 'KeyA', key: 'A', shiftKey: true, ctrlKey: true }), 'down')).toEqual({
      type: 'key',
      action: 'down',
      code: 'KeyA',
      key: 'A',
      modifiers: { shift: true, ctrl: true, alt: false, meta: false },
    });
    const up = keyMessageFor(event({ code: 'AltRight', key: 'AltGraph', altKey: true, metaKey: true }), 'up');
    expect(up?.action).toBe('up');
    expect(up?.code).toBe('AltRight');
    expect(up?.modifiers).toEqual({ shift: false, ctrl: false, alt: true, meta: true });
  });

  it('uses the physical code, not the layout character (AZERTY "a" on the Q key)', () => {
    expect(keyMessageFor(event({ code: 'KeyQ', key: 'a' }), 'down')).toMatchObject({
      code: 'KeyQ',
      key: 'a',
    });
  });

  it('skips IME composition', () => {
    expect(keyMessageFor(event({ isComposing: true }), 'down')).toBeUndefined();
    expect(keyMessageFor(event({ code: 'KeyA', key: 'Process' }), 'down')).toBeUndefined();
  });

  it('derives a code when the browser gives none, and drops keys with no sensible code', () => {
    expect(keyMessageFor(event({ code: '', key: 'b' }), 'down')?.code).toBe('KeyB');
    expect(keyMessageFor(event({ code: 'Unidentified', key: 'Enter' }), 'down')?.code).toBe('Enter');
    expect(keyMessageFor(event({ code: '', key: 'é' }), 'down')).toBeUndefined();
  });

  it('truncates over-long key names to what the contract accepts', () => {
    const message = keyMessageFor(event({ key: 'x'.repeat(100) }), 'down');
    expect(message?.key).toHaveLength(64);
  });
});

describe('codeFromKey', () => {
  it.each([
    ['z', 'KeyZ'],
    ['Z', 'KeyZ'],
    ['7', 'Digit7'],
    [' ', 'Space'],
    ['/', 'Slash'],
    ['F12', 'F12'],
    ['ArrowLeft', 'ArrowLeft'],
    ['Shift', 'ShiftLeft'],
  ])('%j → %s', (key, code) => {
    expect(codeFromKey(key)).toBe(code);
  });

  it('has no code for characters of other layouts or unknown names', () => {
    expect(codeFromKey('ß')).toBeUndefined();
    expect(codeFromKey('F25')).toBeUndefined();
  });
});

describe('browser default actions', () => {
  it('stops Tab, Backspace, arrows, F-keys and Ctrl combinations from reaching the browser', () => {
    for (const code of ['Tab', 'Backspace', 'ArrowDown', 'F5', 'Space']) {
      expect(shouldPreventDefault(event({ code, key: code }))).toBe(true);
    }
    expect(shouldPreventDefault(event({ code: 'KeyS', key: 's', ctrlKey: true }))).toBe(true);
  });

  it('lets paste shortcuts through so that the paste event fires', () => {
    expect(isPasteShortcut(event({ code: 'KeyV', key: 'v', ctrlKey: true }))).toBe(true);
    expect(isPasteShortcut(event({ code: 'KeyV', key: 'v', metaKey: true }))).toBe(true);
    expect(isPasteShortcut(event({ code: 'Insert', key: 'Insert', shiftKey: true }))).toBe(true);
    expect(shouldPreventDefault(event({ code: 'KeyV', key: 'v', ctrlKey: true }))).toBe(false);
  });

  it('does not take plain V or Ctrl+Alt+V (AltGr) for a paste', () => {
    expect(isPasteShortcut(event({ code: 'KeyV', key: 'v' }))).toBe(false);
    expect(isPasteShortcut(event({ code: 'KeyV', key: 'v', ctrlKey: true, altKey: true }))).toBe(false);
    expect(isPasteShortcut(event({ code: 'Insert', key: 'Insert' }))).toBe(false);
  });
});
