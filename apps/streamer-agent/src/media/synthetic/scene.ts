import { CELL_HEIGHT, CELL_WIDTH, Raster, textWidth, type Rgb } from './raster';

export const TILE = 32;
export const BACKGROUND_A: Rgb = [36, 42, 54];
export const BACKGROUND_B: Rgb = [48, 56, 72];
export const MARGIN = 16;
export const TEXT_SCALE = 2;
export const TEXT_COLOR: Rgb = [240, 240, 240];
/** Half the side of the square pointer marker. */
export const POINTER_RADIUS = 6;
export const POINTER_IDLE: Rgb = [255, 210, 0];
export const POINTER_PRESSED: Rgb = [230, 40, 40];
export const WATERMARK_SCALE = 2;
export const WATERMARK_TEXT: Rgb = [235, 235, 235];
export const WATERMARK_PADDING = 6;
/** Wheel clicks scroll the background by this many pixels, so scrolling is visible too. */
export const SCROLL_STEP = 16;
const MAX_TEXT_CHARS = 10_000;

/** Local wall-clock HH:MM:SS. */
export function clockText(now: Date): string {
  return [now.getHours(), now.getMinutes(), now.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/**
 * What the synthetic "application" shows: a checkerboard, the text typed so far (top-left), a pointer marker
 * (yellow, red while a button is held) and the watermark with the time (bottom-right). Drawing depends only on
 * this state and the clock, so tests can check exact pixels.
 */
export class SyntheticScene {
  /** Bumped on every change: the encoder skips a tick when neither it nor the watermark's clock moved. */
  version = 0;
  pointer = { x: 0, y: 0, buttons: 0 };
  private lines: string[] = [''];
  private scroll = 0;

  constructor(
    public width: number,
    public height: number,
    readonly watermark: string | undefined,
  ) {
    this.pointer = { x: Math.floor(width / 2), y: Math.floor(height / 2), buttons: 0 };
  }

  get text(): string {
    return this.lines.join('\n');
  }

  type(char: string): void {
    const last = this.lines.length - 1;
    this.lines[last] = (this.lines[last] ?? '') + char;
    this.trim();
    this.version++;
  }

  newline(): void {
    this.lines.push('');
    this.trim();
    this.version++;
  }

  backspace(): void {
    const last = this.lines.length - 1;
    const line = this.lines[last] ?? '';
    if (line.length > 0) this.lines[last] = Array.from(line).slice(0, -1).join('');
    else if (this.lines.length > 1) this.lines.pop();
    this.version++;
  }

  movePointer(x: number, y: number, buttons: number): void {
    this.pointer = {
      x: Math.min(this.width - 1, Math.max(0, Math.round(x))),
      y: Math.min(this.height - 1, Math.max(0, Math.round(y))),
      buttons,
    };
    this.version++;
  }

  scrollBy(clicks: number): void {
    this.scroll = (this.scroll + clicks * SCROLL_STEP) % (TILE * 2);
    this.version++;
  }

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.movePointer(this.pointer.x, this.pointer.y, this.pointer.buttons);
  }

  render(now: Date): Raster {
    const raster = new Raster(this.width, this.height);
    this.drawBackground(raster);
    this.drawText(raster);
    this.drawPointer(raster);
    if (this.watermark !== undefined) this.drawWatermark(raster, `${this.watermark}  ${clockText(now)}`);
    return raster;
  }

  /** The background colour at (x, y): what a pixel shows when nothing is drawn over it. */
  backgroundAt(x: number, y: number): Rgb {
    const offset = ((this.scroll % (TILE * 2)) + TILE * 2) % (TILE * 2);
    return (Math.floor(x / TILE) + Math.floor((y + offset) / TILE)) % 2 === 0 ? BACKGROUND_A : BACKGROUND_B;
  }

  private drawBackground(raster: Raster): void {
    const offset = ((this.scroll % (TILE * 2)) + TILE * 2) % (TILE * 2);
    for (let ty = -offset; ty < this.height; ty += TILE) {
      for (let tx = 0; tx < this.width; tx += TILE) {
        raster.fillRect(tx, ty, TILE, TILE, this.backgroundAt(tx, ty));
      }
    }
  }

  private drawText(raster: Raster): void {
    const cellW = CELL_WIDTH * TEXT_SCALE;
    const cellH = CELL_HEIGHT * TEXT_SCALE;
    const columns = Math.max(1, Math.floor((this.width - 2 * MARGIN) / cellW));
    const rows = Math.max(1, Math.floor((this.height - 2 * MARGIN) / cellH) - 2);
    const wrapped: string[] = [];
    for (const line of this.lines) {
      const chars = Array.from(line);
      if (chars.length === 0) wrapped.push('');
      for (let i = 0; i < chars.length; i += columns) wrapped.push(chars.slice(i, i + columns).join(''));
    }
    wrapped.slice(-rows).forEach((line, row) => {
      raster.drawText(line, MARGIN, MARGIN + row * cellH, TEXT_SCALE, TEXT_COLOR);
    });
  }

  private drawPointer(raster: Raster): void {
    const { x, y, buttons } = this.pointer;
    const r = POINTER_RADIUS;
    raster.fillRect(x - r - 1, y - r - 1, 2 * r + 3, 2 * r + 3, [0, 0, 0]);
    raster.fillRect(x - r, y - r, 2 * r + 1, 2 * r + 1, buttons === 0 ? POINTER_IDLE : POINTER_PRESSED);
  }

  private drawWatermark(raster: Raster, text: string): void {
    const w = textWidth(text, WATERMARK_SCALE);
    const h = CELL_HEIGHT * WATERMARK_SCALE;
    const x = this.width - MARGIN - w;
    const y = this.height - MARGIN - h;
    const pad = WATERMARK_PADDING;
    raster.fillRect(x - pad, y - pad, w + 2 * pad, h + 2 * pad, [0, 0, 0], 0.55);
    raster.drawText(text, x, y, WATERMARK_SCALE, WATERMARK_TEXT);
  }

  private trim(): void {
    let total = this.lines.reduce((sum, line) => sum + line.length + 1, 0);
    while (total > MAX_TEXT_CHARS && this.lines.length > 1) total -= (this.lines.shift() ?? '').length + 1;
    const last = this.lines.length - 1;
    if ((this.lines[last] ?? '').length > MAX_TEXT_CHARS) {
      this.lines[last] = (this.lines[last] ?? '').slice(-MAX_TEXT_CHARS);
    }
  }
}
