import { type KeyMessage, type PointerMessage, type WheelMessage } from '@webstream/contracts';
import { keysymFor, SAFE_KEYSYM } from './keysyms';

export interface DisplaySize {
  width: number;
  height: number;
}

/** PointerEvent.button → X button: main, middle, secondary, back, forward (X numbers 4–7 are the wheel). */
const X_BUTTONS: readonly number[] = [1, 2, 3, 8, 9];

/**
 * One xdotool script line for a key message, or undefined for a key we do not know. Keysym names only ever come
 * from our own table and are checked against SAFE_KEYSYM, so no message text can reach xdotool.
 */
export function keyCommand(message: KeyMessage): string | undefined {
  const keysym = keysymFor(message.code, message.key, message.modifiers);
  if (keysym === undefined || !SAFE_KEYSYM.test(keysym)) return undefined;
  return `${message.action === 'down' ? 'keydown' : 'keyup'} --delay 0 ${keysym}`;
}

/** A coordinate as an integer on the display; undefined for NaN/Infinity (a malformed message). */
export function clampCoordinate(value: number, size: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  return Math.min(size - 1, Math.max(0, Math.round(value)));
}

function moveCommand(x: number, y: number, size: DisplaySize): string | undefined {
  const cx = clampCoordinate(x, size.width);
  const cy = clampCoordinate(y, size.height);
  return cx === undefined || cy === undefined ? undefined : `mousemove ${cx} ${cy}`;
}

/** The pointer moves first, so a press lands where the user clicked (and focus, without a WM, follows it). */
export function pointerCommands(message: PointerMessage, size: DisplaySize): string[] {
  const move = moveCommand(message.x, message.y, size);
  if (move === undefined) return [];
  if (message.action === 'move') return [move];
  const button = Number.isInteger(message.button) ? X_BUTTONS[message.button] : undefined;
  if (button === undefined) return [move];
  return [move, `${message.action === 'down' ? 'mousedown' : 'mouseup'} ${button}`];
}

/** How much of a delta makes one wheel click, per WheelEvent.deltaMode (pixels, lines, pages). */
const DELTA_PER_CLICK: readonly number[] = [100, 3, 0.25];
/** A click burst is capped: a wild delta must not queue seconds of scrolling. */
const MAX_CLICKS_PER_MESSAGE = 25;

/**
 * Wheel deltas → X button clicks (4/5 vertical, 6/7 horizontal). Touchpads send many small deltas, so fractions
 * of a click are carried over to the next message instead of being rounded away; a change of direction drops them.
 */
export class WheelAccumulator {
  private x = 0;
  private y = 0;

  commands(message: WheelMessage, size: DisplaySize): string[] {
    const move = moveCommand(message.x, message.y, size);
    const unit = DELTA_PER_CLICK[message.deltaMode];
    if (move === undefined || unit === undefined) return [];
    const lines = [move];
    this.y = accumulate(this.y, message.deltaY / unit);
    this.x = accumulate(this.x, message.deltaX / unit);
    const vertical = takeClicks(this.y);
    this.y = remainder(this.y, vertical);
    const horizontal = takeClicks(this.x);
    this.x = remainder(this.x, horizontal);
    pushClicks(lines, vertical, 4, 5);
    pushClicks(lines, horizontal, 6, 7);
    return lines.length > 1 ? lines : [];
  }
}

function accumulate(carried: number, clicks: number): number {
  if (!Number.isFinite(clicks)) return 0;
  if (clicks === 0) return carried;
  return Math.sign(carried) === -Math.sign(clicks) ? clicks : carried + clicks;
}

function takeClicks(value: number): number {
  const whole = Math.trunc(value);
  return Math.max(-MAX_CLICKS_PER_MESSAGE, Math.min(MAX_CLICKS_PER_MESSAGE, whole));
}

/** What is left after the clicks sent; beyond the cap, the excess is dropped rather than replayed later. */
function remainder(value: number, taken: number): number {
  return (value - taken) % 1;
}

function pushClicks(lines: string[], clicks: number, negative: number, positive: number): void {
  if (clicks === 0) return;
  const button = clicks < 0 ? negative : positive;
  lines.push(`click --repeat ${Math.abs(clicks)} --delay 1 ${button}`);
}
