import { RESIZE_REQUEST_LIMITS } from '@webstream/contracts';

export interface Size {
  width: number;
  height: number;
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where content of `content` size lands inside `box` scaled to fit with its aspect ratio kept (letterboxed). */
export function fitContain(box: Box, content: Size): Box & { scale: number } {
  if (content.width <= 0 || content.height <= 0 || box.width <= 0 || box.height <= 0) {
    return { ...box, scale: 1 };
  }
  const scale = Math.min(box.width / content.width, box.height / content.height);
  const width = content.width * scale;
  const height = content.height * scale;
  return {
    left: box.left + (box.width - width) / 2,
    top: box.top + (box.height - height) / 2,
    width,
    height,
    scale,
  };
}

/**
 * A point of the page (clientX/clientY) as a pixel of the remote display shown letterboxed in `box` (the
 * canvas element's CSS box): clamped to the display, with `inside` false when it fell on the bars.
 */
export function toRemotePoint(
  clientX: number,
  clientY: number,
  box: Box,
  remote: Size,
): { x: number; y: number; inside: boolean } {
  const picture = fitContain(box, remote);
  const fx = (clientX - picture.left) / picture.width;
  const fy = (clientY - picture.top) / picture.height;
  const inside = fx >= 0 && fx < 1 && fy >= 0 && fy < 1;
  return {
    x: clamp(Math.floor(fx * remote.width), 0, Math.max(0, remote.width - 1)),
    y: clamp(Math.floor(fy * remote.height), 0, Math.max(0, remote.height - 1)),
    inside,
  };
}

/**
 * The remote display size to ask for so that it matches `css` CSS pixels at `devicePixelRatio`: whole, even
 * numbers (video encoders like even sizes) within RESIZE_REQUEST_LIMITS.
 */
export function resizeRequestSize(css: Size, devicePixelRatio: number): Size {
  const ratio = Number.isFinite(devicePixelRatio) && devicePixelRatio > 0 ? devicePixelRatio : 1;
  const even = (value: number): number => 2 * Math.floor(Math.round(value) / 2);
  return {
    width: clamp(even(css.width * ratio), RESIZE_REQUEST_LIMITS.minWidth, RESIZE_REQUEST_LIMITS.maxWidth),
    height: clamp(even(css.height * ratio), RESIZE_REQUEST_LIMITS.minHeight, RESIZE_REQUEST_LIMITS.maxHeight),
  };
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
