// The settled picture's quality: what a viewer is left with once the screen stops changing, against the
// screen itself (grabbed losslessly), as SSIM by ffmpeg's own filter (1 = identical).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

function ffmpeg(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', ['-hide_banner', '-y', ...args], { maxBuffer: 1 << 26 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`ffmpeg failed: ${stderr.slice(-500)}`)) : resolve(stderr),
    );
  });
}

/** A lossless PNG of the display as it is now. */
export async function grabScreen(
  display: string,
  width: number,
  height: number,
  file: string,
): Promise<void> {
  await ffmpeg(['-f', 'x11grab', '-video_size', `${width}x${height}`, '-i', display, '-frames:v', '1', file]);
}

/** The last picture of an encoded stream (Annex-B H.264, or one JPEG), as a PNG. */
export async function lastPicture(
  encoded: Buffer,
  format: 'h264' | 'jpeg',
  workDir: string,
  name: string,
): Promise<string> {
  const input = join(workDir, `${name}.${format === 'h264' ? 'h264' : 'jpg'}`);
  const output = join(workDir, `${name}.png`);
  await writeFile(input, encoded);
  // -update 1 writes every decoded picture over the same file: the last one stays.
  await ffmpeg([...(format === 'h264' ? ['-f', 'h264'] : []), '-i', input, '-update', '1', output]);
  return output;
}

export async function ssim(picture: string, reference: string): Promise<number> {
  const log = await ffmpeg([
    ...['-i', picture, '-i', reference],
    ...['-lavfi', '[0:v]format=yuv420p[a];[1:v]format=yuv420p[b];[a][b]ssim', '-f', 'null', '-'],
  ]);
  const match = /All:([0-9.]+)/.exec(log);
  if (match === null) throw new Error(`no SSIM in ffmpeg's output: ${log.slice(-300)}`);
  return Number(match[1]);
}
