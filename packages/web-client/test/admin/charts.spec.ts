import { describe, expect, it } from 'vitest';
import {
  compactNumber,
  horizontalBars,
  labelIndexes,
  niceCeiling,
  seriesLayout,
  ticks,
} from '../../src/admin/kit/chart-math';

describe('niceCeiling', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(7)).toBe(10);
    expect(niceCeiling(13)).toBe(20);
    expect(niceCeiling(200)).toBe(200);
    expect(niceCeiling(201)).toBe(500);
    expect(niceCeiling(0.3)).toBe(1);
  });

  it('spaces ticks evenly from zero', () => {
    expect(ticks(20, 4)).toEqual([0, 5, 10, 15, 20]);
  });
});

describe('horizontalBars', () => {
  it('scales bars to the rounded maximum and stacks rows', () => {
    const { bars, max, height } = horizontalBars(
      [
        { label: 'a', value: 50 },
        { label: 'b', value: 25 },
        { label: 'c', value: 0 },
      ],
      { trackWidth: 300, rowHeight: 20 },
    );
    expect(max).toBe(50);
    expect(bars.map((bar) => bar.length)).toEqual([300, 150, 0]);
    expect(bars.map((bar) => bar.y)).toEqual([0, 20, 40]);
    expect(height).toBe(60);
  });

  it('never draws a negative bar', () => {
    const { bars } = horizontalBars([{ label: 'x', value: -5 }], { trackWidth: 100, rowHeight: 10 });
    expect(bars[0]!.length).toBe(0);
  });
});

describe('seriesLayout', () => {
  const box = { width: 120, height: 110, left: 10, right: 10, top: 10, bottom: 0 };

  it('places points in slots left to right, the maximum at the top and zero on the baseline', () => {
    const { points, max, baseline, path } = seriesLayout(
      [
        { label: 'mon', value: 0 },
        { label: 'tue', value: 10 },
        { label: 'wed', value: 5 },
        { label: 'thu', value: 10 },
      ],
      box,
    );
    expect(max).toBe(10);
    expect(baseline).toBe(110);
    expect(points.map((point) => point.x)).toEqual([22.5, 47.5, 72.5, 97.5]);
    expect(points.map((point) => point.y)).toEqual([110, 10, 60, 10]);
    expect(path).toBe('M22.5,110 L47.5,10 L72.5,60 L97.5,10');
  });

  it('handles no data', () => {
    expect(seriesLayout([], box).points).toEqual([]);
  });
});

describe('axis helpers', () => {
  it('labels at most the asked number of points, always the first and last', () => {
    expect(labelIndexes(3, 6)).toEqual([0, 1, 2]);
    const indexes = labelIndexes(31, 6);
    expect(indexes.length).toBe(6);
    expect(indexes[0]).toBe(0);
    expect(indexes.at(-1)).toBe(30);
  });

  it('prints compact numbers', () => {
    expect(compactNumber(950)).toBe('950');
    expect(compactNumber(1500)).toBe('1.5k');
    expect(compactNumber(2_000_000)).toBe('2M');
  });
});

describe('axis labels on a crowded axis', () => {
  it('never labels two neighbouring points', () => {
    for (const length of [7, 10, 13, 24, 31, 100]) {
      const indexes = labelIndexes(length, 6);
      expect(indexes.length).toBeLessThanOrEqual(6);
      expect(indexes[0]).toBe(0);
      expect(indexes.at(-1)).toBe(length - 1);
      for (let i = 1; i < indexes.length; i += 1) expect(indexes[i]! - indexes[i - 1]!).toBeGreaterThan(1);
    }
  });
});
