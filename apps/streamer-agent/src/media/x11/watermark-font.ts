import { accessSync, constants } from 'node:fs';
import { type MediaLogger } from '../media';

export const WATERMARK_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** DejaVu Sans when installed; else undefined, so drawtext falls back to fontconfig's default font. */
export function findWatermarkFont(logger: MediaLogger, path = WATERMARK_FONT): string | undefined {
  try {
    accessSync(path, constants.R_OK);
    return path;
  } catch {
    logger.warn({ fontFile: path }, 'the watermark font is missing; ffmpeg will use its default font');
    return undefined;
  }
}
