// The baseline: the same display, application and ffmpeg command (the streamer's grabArgs) the streamer runs, with the frames read
// straight from ffmpeg's pipe by this process — no streamer, no WebSocket.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { grabArgs } from '@webstream/streamer-agent/dist/media/x11/ffmpeg-grab';

export interface RawCaptureSettings {
  width: number;
  height: number;
  frameRate: number;
  quality: number;
  appExe: string;
  appArgs: string[];
}

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

/** Xvfb on a display it picks itself (-displayfd), the application in it, and ffmpeg grabbing it. */
export class RawCapture {
  private readonly children: ChildProcess[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private previous: Buffer | undefined;
  frames = 0;
  changedFrames = 0;

  private constructor() {}

  static async start(settings: RawCaptureSettings): Promise<RawCapture> {
    const raw = new RawCapture();
    try {
      await raw.launch(settings);
    } catch (error) {
      await raw.stop();
      throw error;
    }
    return raw;
  }

  /** Every process of the baseline, for CPU and memory. */
  get pids(): number[] {
    return this.children.map((child) => child.pid ?? -1).filter((pid) => pid > 0);
  }

  private async launch(settings: RawCaptureSettings): Promise<void> {
    const xvfb = spawn(
      'Xvfb',
      ['-displayfd', '1', '-screen', '0', `${settings.width}x${settings.height}x24`, '-nolisten', 'tcp'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    this.children.push(xvfb);
    const [chunk] = (await Promise.race([
      once(xvfb.stdout, 'data'),
      sleep(10_000).then(() => {
        throw new Error('Xvfb did not start within 10 s');
      }),
    ])) as [Buffer];
    const display = `:${chunk.toString().trim()}`;
    const env = { ...process.env, DISPLAY: display };
    this.children.push(spawn(settings.appExe, settings.appArgs, { env, stdio: 'ignore' }));
    // The streamer's own command line, so the baseline grabs and encodes exactly as a session does.
    const ffmpeg = spawn(
      'ffmpeg',
      grabArgs({
        display,
        width: settings.width,
        height: settings.height,
        frameRate: settings.frameRate,
        quality: settings.quality,
        filter: undefined,
      }),
      { env, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    this.children.push(ffmpeg);
    ffmpeg.stdout.on('data', (data: Buffer) => this.split(data));
  }

  private split(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    for (;;) {
      const start = this.pending.indexOf(SOI);
      if (start === -1) {
        this.pending = Buffer.alloc(0);
        return;
      }
      const end = this.pending.indexOf(EOI, start + 2);
      if (end === -1) {
        this.pending = this.pending.subarray(start);
        return;
      }
      const frame = this.pending.subarray(start, end + 2);
      this.frames += 1;
      if (this.previous === undefined || !frame.equals(this.previous)) this.changedFrames += 1;
      this.previous = Buffer.from(frame);
      this.pending = this.pending.subarray(end + 2);
    }
  }

  async stop(): Promise<void> {
    for (const child of [...this.children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      await Promise.race([once(child, 'exit'), sleep(3_000).then(() => child.kill('SIGKILL'))]);
    }
  }
}
