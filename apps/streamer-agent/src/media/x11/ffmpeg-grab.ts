import { type MediaLogger } from '../media';
import { JpegSplitter, type SplitJpeg } from './jpeg-splitter';
import { EncoderProcess } from './encoder-relay';
import { type HelperSpawn } from './session-sandbox';

export interface GrabSettings {
  display: string;
  width: number;
  height: number;
  frameRate: number;
  quality: number;
  /** A complete -vf filter (the watermark), or undefined for none. */
  filter: string | undefined;
}

/** What every capture starts with: ffmpeg grabbing the display at the frame rate, the watermark drawn in. */
export function x11grabInput(settings: Omit<GrabSettings, 'quality'>): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'x11grab',
    '-draw_mouse',
    '0',
    '-framerate',
    String(settings.frameRate),
    '-video_size',
    `${settings.width}x${settings.height}`,
    '-i',
    settings.display,
    ...(settings.filter === undefined ? [] : ['-vf', settings.filter]),
    // A paused grab resumes with a gap in its timestamps: kept (not filled with copies of old frames), and a
    // repeated timestamp from x11grab's catch-up is dropped rather than failing the encoder.
    '-fps_mode',
    'vfr',
  ];
}

/** The ffmpeg command line for one capture run: x11grab → MJPEG frames on stdout. */
export function grabArgs(settings: GrabSettings): string[] {
  return [
    ...x11grabInput(settings),
    // One encoder thread: with more, frames wait in the thread queue (the notes measured 84 vs 30 ms p50).
    '-threads',
    '1',
    '-c:v',
    'mjpeg',
    '-pix_fmt',
    'yuvj420p',
    '-q:v',
    String(settings.quality),
    '-f',
    'image2pipe',
    '-',
  ];
}

/** One ffmpeg capture process and the JPEG frames it writes. */
export class FfmpegGrab extends EncoderProcess {
  private readonly splitter = new JpegSplitter();

  constructor(
    readonly settings: GrabSettings,
    spawnAs: HelperSpawn,
    logger: MediaLogger,
    private readonly onFrame: (frame: SplitJpeg, grab: FfmpegGrab) => void,
  ) {
    super('ffmpeg', grabArgs(settings), spawnAs, logger);
  }

  protected output(chunk: Buffer): void {
    for (const frame of this.splitter.push(chunk)) this.onFrame(frame, this);
  }
}
