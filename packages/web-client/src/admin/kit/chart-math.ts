/** Layout for the small SVG charts: pure numbers, so that scaling can be tested without a DOM. */

export interface Datum {
  label: string;
  value: number;
}

/** The smallest 1, 2 or 5 × 10^k at or above `value` (at least 1), so that axes end on a round number. */
export function niceCeiling(value: number): number {
  if (!Number.isFinite(value) || value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}

/** `count` + 1 evenly spaced axis values from 0 to `max`. */
export function ticks(max: number, count = 4): number[] {
  return Array.from({ length: count + 1 }, (_, index) => (max * index) / count);
}

export interface HorizontalBar extends Datum {
  y: number;
  /** Length of the bar in pixels; 0 for a zero value, never negative. */
  length: number;
}

/** Horizontal bars (top lists), one row each, scaled so that the largest value fills `trackWidth`. */
export function horizontalBars(
  data: readonly Datum[],
  options: { trackWidth: number; rowHeight: number },
): { bars: HorizontalBar[]; max: number; height: number } {
  const max = niceCeiling(Math.max(0, ...data.map((datum) => datum.value)));
  const bars = data.map((datum, index) => ({
    ...datum,
    y: index * options.rowHeight,
    length: Math.max(0, (datum.value / max) * options.trackWidth),
  }));
  return { bars, max, height: data.length * options.rowHeight };
}

export interface PlotBox {
  width: number;
  height: number;
  /** Room for the axis labels. */
  left: number;
  bottom: number;
  top: number;
  right: number;
}

export interface PlotPoint extends Datum {
  x: number;
  y: number;
}

/**
 * Points of a time series in the plot area (x evenly spaced, in order; y up from the bottom axis), the SVG
 * path through them, the column width for a column chart, and the axis maximum.
 */
export function seriesLayout(
  data: readonly Datum[],
  box: PlotBox,
): { points: PlotPoint[]; path: string; max: number; columnWidth: number; baseline: number } {
  const max = niceCeiling(Math.max(0, ...data.map((datum) => datum.value)));
  const plotWidth = box.width - box.left - box.right;
  const plotHeight = box.height - box.top - box.bottom;
  const baseline = box.top + plotHeight;
  const slot = data.length === 0 ? plotWidth : plotWidth / data.length;
  const points = data.map((datum, index) => ({
    ...datum,
    x: box.left + slot * index + slot / 2,
    y: baseline - (Math.max(0, datum.value) / max) * plotHeight,
  }));
  const path = points
    .map((point, index) => `${index === 0 ? 'M' : 'L'}${round(point.x)},${round(point.y)}`)
    .join(' ');
  return { points, path, max, columnWidth: Math.max(1, slot * 0.7), baseline };
}

/**
 * At most `count` indexes of `length` items at an even step, always the first and the last (the last takes the
 * place of a step that would sit too close to it): which points get an axis label.
 */
export function labelIndexes(length: number, count: number): number[] {
  if (length <= count) return Array.from({ length }, (_, index) => index);
  if (count <= 1) return [0];
  const step = Math.ceil((length - 1) / (count - 1));
  const indexes: number[] = [];
  for (let index = 0; index < length; index += step) indexes.push(index);
  const last = length - 1;
  if (indexes.at(-1) !== last) {
    if (indexes.length > 1 && last - indexes.at(-1)! < step) indexes[indexes.length - 1] = last;
    else indexes.push(last);
  }
  return indexes;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Compact axis numbers: 1500 → 1.5k, 2000000 → 2M. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1_000_000) return `${trim(value / 1_000_000)}M`;
  if (abs >= 1_000) return `${trim(value / 1_000)}k`;
  return trim(value);
}

function trim(value: number): string {
  return String(Math.round(value * 10) / 10);
}
