import { type MediaLogger } from '../media';
import { JpegSplitter, type SplitJpeg } from './jpeg-splitter';
import { describeExit, ManagedChild, type ChildExit } from './managed-child';

export interface GrabSettings {
  display: string;
  width: number;
  height: number;
  frameRate: number;
  quality: number;
  /** A complete -vf filter (the watermark), or undefined for none. */
  filter: string | undefined;
}

/** The ffmpeg command line for one capture run: x11grab → MJPEG frames on stdout. */
export function grabArgs(settings: GrabSettings): string[] {
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
export class FfmpegGrab {
  private readonly child: ManagedChild;
  private readonly splitter = new JpegSplitter();

  constructor(
    readonly settings: GrabSettings,
    env: NodeJS.ProcessEnv,
    logger: MediaLogger,
    onFrame: (frame: SplitJpeg, grab: FfmpegGrab) => void,
  ) {
    this.child = new ManagedChild({
      name: 'ffmpeg',
      command: 'ffmpeg',
      args: grabArgs(settings),
      env,
      stdout: 'pipe',
      logger,
    });
    this.child.process.stdout?.on('data', (chunk: Buffer) => {
      for (const frame of this.splitter.push(chunk)) onFrame(frame, this);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): Promise<ChildExit> {
    return this.child.exited;
  }

  describe(exit: ChildExit): string {
    return `${describeExit('ffmpeg', exit)}: ${this.child.stderr.text()}`;
  }

  stop(): Promise<void> {
    return this.child.terminate();
  }
}
