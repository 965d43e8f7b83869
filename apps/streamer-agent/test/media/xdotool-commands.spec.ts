import { type KeyMessage, type PointerMessage, type WheelMessage } from '@webstream/contracts';
import { describe, expect, it } from 'vitest';
import { keysymFor } from '../../src/media/x11/keysyms';
import {
  clampCoordinate,
  keyCommand,
  pointerCommands,
  WheelAccumulator,
} from '../../src/media/x11/xdotool-commands';

const modifiers = { shift: false, ctrl: false, alt: false, meta: false };
const key = (code: string, k: string, action: 'down' | 'up' = 'down'): KeyMessage => ({
  type: 'key',
  action,
  code,
  key: k,
  modifiers,
});
const size = { width: 800, height: 600 };

describe('key mapping', () => {
  it('maps physical keys to US keysyms', () => {
    expect(keysymFor('KeyA', 'a')).toBe('a');
    const shift = { shift: true, ctrl: false, alt: false, meta: false };
    // With Shift held, the physical key: Shift is its own key event.
    expect(keysymFor('KeyA', 'A', shift)).toBe('a');
    expect(keysymFor('Digit7', '/', shift)).toBe('7');
    // With nothing held, the character the browser produced (a virtual keyboard, another layout).
    expect(keysymFor('KeyA', 'A')).toBe('A');
    expect(keysymFor('KeyQ', 'a')).toBe('a');
    expect(keysymFor('KeyC', 'c', { ...shift, shift: false, ctrl: true })).toBe('c');
    expect(keysymFor('Minus', '-')).toBe('minus');
    expect(keysymFor('Period', '.')).toBe('period');
    expect(keysymFor('Slash', '/')).toBe('slash');
    expect(keysymFor('Space', ' ')).toBe('space');
    expect(keysymFor('Enter', 'Enter')).toBe('Return');
    expect(keysymFor('Backspace', 'Backspace')).toBe('BackSpace');
    expect(keysymFor('ShiftLeft', 'Shift')).toBe('Shift_L');
    expect(keysymFor('ControlLeft', 'Control')).toBe('Control_L');
    expect(keysymFor('MetaLeft', 'Meta')).toBe('Super_L');
    expect(keysymFor('ArrowUp', 'ArrowUp')).toBe('Up');
    expect(keysymFor('PageDown', 'PageDown')).toBe('Page_Down');
    expect(keysymFor('F12', 'F12')).toBe('F12');
  });

  it('falls back to the key for an unidentified code, from its own table only', () => {
    expect(keysymFor('Unidentified', '@')).toBe('at');
    expect(keysymFor('', 'Enter')).toBe('Return');
    expect(keysymFor('Unidentified', 'é')).toBeUndefined();
  });

  it('ignores unknown and hostile codes', () => {
    expect(keysymFor('NoSuchKey', 'Dead')).toBeUndefined();
    expect(keysymFor('__proto__', '')).toBeUndefined();
    expect(keysymFor('constructor', 'toString')).toBeUndefined();
    expect(keyCommand(key('KeyA\nmousemove 0 0', 'x\nkey Return'))).toBeUndefined();
    expect(keyCommand(key('Unidentified', '\n'))).toBeUndefined();
  });

  it('makes keydown/keyup lines that never contain a newline or message text', () => {
    expect(keyCommand(key('KeyQ', 'q'))).toBe('keydown --delay 0 q');
    expect(keyCommand(key('Enter', 'Enter', 'up'))).toBe('keyup --delay 0 Return');
    const hostile = ['KeyA', 'Enter', 'x;rm -rf /', 'a b', 'Tab\n', 'F1\r', 'Space'];
    for (const code of hostile) {
      const line = keyCommand(key(code, code));
      if (line !== undefined) expect(line).toMatch(/^key(down|up) --delay 0 [A-Za-z0-9_]+$/);
    }
  });
});

describe('pointer and wheel commands', () => {
  const pointer = (action: PointerMessage['action'], x: number, y: number, button = 0): PointerMessage => ({
    type: 'pointer',
    action,
    x,
    y,
    button,
    buttons: 0,
  });

  it('clamps coordinates to the display and drops non-numbers', () => {
    expect(clampCoordinate(-5, 800)).toBe(0);
    expect(clampCoordinate(10_000, 800)).toBe(799);
    expect(clampCoordinate(12.6, 800)).toBe(13);
    expect(clampCoordinate(Number.NaN, 800)).toBeUndefined();
    expect(pointerCommands(pointer('move', 5000, 5000), size)).toEqual(['mousemove 799 599']);
    expect(pointerCommands(pointer('move', Number.POSITIVE_INFINITY, 1), size)).toEqual([]);
  });

  it('maps browser buttons to X buttons, moving first', () => {
    expect(pointerCommands(pointer('down', 10, 20, 0), size)).toEqual(['mousemove 10 20', 'mousedown 1']);
    expect(pointerCommands(pointer('up', 10, 20, 1), size)).toEqual(['mousemove 10 20', 'mouseup 2']);
    expect(pointerCommands(pointer('down', 10, 20, 2), size)).toEqual(['mousemove 10 20', 'mousedown 3']);
    expect(pointerCommands(pointer('down', 10, 20, 9), size)).toEqual(['mousemove 10 20']);
  });

  it('turns wheel deltas into clicks, carrying fractions and capping bursts', () => {
    const wheel = (deltaX: number, deltaY: number, deltaMode: 0 | 1 | 2 = 0): WheelMessage => ({
      type: 'wheel',
      x: 1,
      y: 2,
      deltaX,
      deltaY,
      deltaMode,
    });
    const acc = new WheelAccumulator();
    expect(acc.commands(wheel(0, 100), size)).toEqual(['mousemove 1 2', 'click --repeat 1 --delay 1 5']);
    expect(acc.commands(wheel(0, -300), size)).toEqual(['mousemove 1 2', 'click --repeat 3 --delay 1 4']);
    expect(acc.commands(wheel(0, 40), size)).toEqual([]);
    expect(acc.commands(wheel(0, 60), size)).toEqual(['mousemove 1 2', 'click --repeat 1 --delay 1 5']);
    expect(acc.commands(wheel(-200, 0), size)).toEqual(['mousemove 1 2', 'click --repeat 2 --delay 1 6']);
    expect(acc.commands(wheel(0, 3, 1), size)).toEqual(['mousemove 1 2', 'click --repeat 1 --delay 1 5']);
    expect(acc.commands(wheel(0, 100_000), size)).toEqual(['mousemove 1 2', 'click --repeat 25 --delay 1 5']);
    // The excess of a capped burst is dropped, not replayed by the next small delta.
    expect(acc.commands(wheel(0, 10), size)).toEqual([]);
  });
});
