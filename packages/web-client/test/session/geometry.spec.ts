import { RESIZE_REQUEST_LIMITS } from '@webstream/contracts';
import { describe, expect, it } from 'vitest';
import { fitContain, resizeRequestSize, toRemotePoint } from '../../src/session/geometry';

describe('fitContain', () => {
  it('letterboxes a wide picture in a tall box (bars above and below)', () => {
    const fitted = fitContain({ left: 0, top: 0, width: 800, height: 800 }, { width: 1600, height: 900 });
    expect(fitted).toEqual({ left: 0, top: 175, width: 800, height: 450, scale: 0.5 });
  });

  it('pillarboxes a tall picture in a wide box (bars left and right), offset by the box position', () => {
    const fitted = fitContain({ left: 10, top: 20, width: 1000, height: 500 }, { width: 500, height: 500 });
    expect(fitted).toEqual({ left: 260, top: 20, width: 500, height: 500, scale: 1 });
  });
});

describe('toRemotePoint', () => {
  const box = { left: 0, top: 40, width: 800, height: 800 };
  const remote = { width: 1600, height: 900 };

  it('maps the picture corners and centre to remote pixels', () => {
    // The picture is 800×450 at top 40 + 175 = 215.
    expect(toRemotePoint(0, 215, box, remote)).toEqual({ x: 0, y: 0, inside: true });
    expect(toRemotePoint(400, 215 + 225, box, remote)).toEqual({ x: 800, y: 450, inside: true });
    expect(toRemotePoint(799.9, 664.9, box, remote)).toEqual({ x: 1599, y: 899, inside: true });
  });

  it('clamps points on the letterbox bars to the display edge and says so', () => {
    expect(toRemotePoint(100, 50, box, remote)).toEqual({ x: 200, y: 0, inside: false });
    expect(toRemotePoint(900, 830, box, remote)).toEqual({ x: 1599, y: 899, inside: false });
  });

  it('scales up when the picture is smaller than the canvas box', () => {
    const point = toRemotePoint(
      150,
      100,
      { left: 0, top: 0, width: 300, height: 200 },
      { width: 150, height: 100 },
    );
    expect(point).toEqual({ x: 75, y: 50, inside: true });
  });
});

describe('resizeRequestSize', () => {
  it('multiplies by the device pixel ratio and rounds to even pixels', () => {
    expect(resizeRequestSize({ width: 1280.5, height: 719 }, 1.5)).toEqual({ width: 1920, height: 1078 });
  });

  it('stays within the protocol limits', () => {
    expect(resizeRequestSize({ width: 100, height: 50 }, 1)).toEqual({
      width: RESIZE_REQUEST_LIMITS.minWidth,
      height: RESIZE_REQUEST_LIMITS.minHeight,
    });
    expect(resizeRequestSize({ width: 5000, height: 3000 }, 2)).toEqual({
      width: RESIZE_REQUEST_LIMITS.maxWidth,
      height: RESIZE_REQUEST_LIMITS.maxHeight,
    });
  });

  it('treats a missing or nonsense ratio as 1', () => {
    expect(resizeRequestSize({ width: 1024, height: 768 }, Number.NaN)).toEqual({ width: 1024, height: 768 });
    expect(resizeRequestSize({ width: 1024, height: 768 }, 0)).toEqual({ width: 1024, height: 768 });
  });
});
