import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel } from './font5x7';

export type Rgb = readonly [number, number, number];

/** A character cell: the glyph plus one column and one row of spacing. */
export const CELL_WIDTH = GLYPH_WIDTH + 1;
export const CELL_HEIGHT = GLYPH_HEIGHT + 1;

/** An RGBA picture (jpeg-js's input) with the few clipped drawing operations the synthetic scene needs. */
export class Raster {
  readonly data: Buffer;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = Buffer.alloc(width * height * 4, 0xff);
  }

  /** Fills a rectangle; alpha 1 replaces, less blends over what is there. Clipped to the picture. */
  fillRect(x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(this.width, Math.floor(x + w));
    const y1 = Math.min(this.height, Math.floor(y + h));
    const [r, g, b] = color;
    const d = this.data;
    for (let py = y0; py < y1; py++) {
      let i = (py * this.width + x0) * 4;
      for (let px = x0; px < x1; px++, i += 4) {
        if (alpha >= 1) {
          d[i] = r;
          d[i + 1] = g;
          d[i + 2] = b;
        } else {
          d[i] = blend(d[i] ?? 0, r, alpha);
          d[i + 1] = blend(d[i + 1] ?? 0, g, alpha);
          d[i + 2] = blend(d[i + 2] ?? 0, b, alpha);
        }
      }
    }
  }

  /** Draws text with the 5×7 font, each font pixel a scale×scale square; returns the width drawn. */
  drawText(text: string, x: number, y: number, scale: number, color: Rgb): number {
    let cx = x;
    for (const char of text) {
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        for (let row = 0; row < GLYPH_HEIGHT; row++) {
          if (glyphPixel(char, col, row))
            this.fillRect(cx + col * scale, y + row * scale, scale, scale, color);
        }
      }
      cx += CELL_WIDTH * scale;
    }
    return cx - x;
  }

  /** The RGB of one pixel (tests and the scene's own checks). */
  pixel(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 4;
    return [this.data[i] ?? 0, this.data[i + 1] ?? 0, this.data[i + 2] ?? 0];
  }
}

export function textWidth(text: string, scale: number): number {
  return Array.from(text).length * CELL_WIDTH * scale;
}

function blend(under: number, over: number, alpha: number): number {
  return Math.round(under + (over - under) * alpha);
}
