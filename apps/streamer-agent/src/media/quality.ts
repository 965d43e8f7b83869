/** ffmpeg's MJPEG quantiser range: 2 best .. 31 smallest. */
export const MIN_QUALITY = 2;
export const MAX_QUALITY = 31;

export function clampQuality(quality: number): number {
  if (!Number.isFinite(quality)) return MAX_QUALITY;
  return Math.min(MAX_QUALITY, Math.max(MIN_QUALITY, Math.round(quality)));
}
