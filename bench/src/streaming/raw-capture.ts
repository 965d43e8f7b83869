// The baseline: the same display, application and ffmpeg command (the streamer's grabArgs, or its h264Args)
// the streamer runs, with the frames read straight from ffmpeg's pipe by this process — no streamer, no
// WebSocket, no pausing on a still screen.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { grabArgs } from '@webstream/streamer-agent/dist/media/x11/ffmpeg-grab';
import { type AvcConfig, parseAvcConfig, toAnnexB } from '@webstream/streamer-agent/dist/media/x11/h264/avc';
import { FlvReader } from '@webstream/streamer-agent/dist/media/x11/h264/flv-reader';
import { h264Args } from '@webstream/streamer-agent/dist/media/x11/h264/h264-encoder';

export interface RawCaptureSettings {
  width: number;
  height: number;
  frameRate: number;
  /** MJPEG at this quantiser, H.264 (x264 as the streamer runs it) under this cap, or no capture (a VNC peer's). */
  codec: { kind: 'jpeg'; quality: number } | { kind: 'h264'; bitrateKbps: number } | { kind: 'none' };
  appExe: string;
  appArgs: readonly string[];
}

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

/** Xvfb on a display it picks itself (-displayfd), the application in it, and ffmpeg grabbing it. */
export class RawCapture {
  private readonly children: ChildProcess[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private previous: Buffer | undefined;
  private readonly flv = new FlvReader();
  private avcConfig: AvcConfig | undefined;
  /** The H.264 stream so far, Annex-B, to decode its last picture. */
  readonly h264: Buffer[] = [];
  frames = 0;
  changedFrames = 0;
  /** Bytes of encoded pictures (JPEGs, or H.264 access units) out of the pipe. */
  bytes = 0;
  /** The display, for a screenshot. */
  display = '';

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
    this.display = display;
    const env = { ...process.env, DISPLAY: display };
    this.children.push(spawn(settings.appExe, settings.appArgs, { env, stdio: 'ignore' }));
    // The streamer's own command line, so the baseline grabs and encodes exactly as a session does.
    const picture = {
      display,
      width: settings.width,
      height: settings.height,
      frameRate: settings.frameRate,
      filter: undefined,
    };
    const { codec } = settings;
    if (codec.kind === 'none') return;
    const args =
      codec.kind === 'jpeg'
        ? grabArgs({ ...picture, quality: codec.quality })
        : h264Args({ ...picture, bitrateKbps: codec.bitrateKbps });
    const ffmpeg = spawn('ffmpeg', args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    this.children.push(ffmpeg);
    ffmpeg.stdout.on('data', (data: Buffer) => (codec.kind === 'jpeg' ? this.split(data) : this.tags(data)));
  }

  /**
   * What the application started (the shell and the listing in an xterm), to stop them: the xterm itself keeps
   * running, so it finishes drawing and the screen settles. (A stopped X client makes Xvfb buffer for it.)
   */
  workloadPids(): number[] {
    const app = this.appPid;
    if (app === undefined) return [];
    const found = [app];
    for (let i = 0; i < found.length; i += 1) {
      try {
        const children = readFileSync(`/proc/${found[i]}/task/${found[i]}/children`, 'utf8').trim();
        if (children !== '') found.push(...children.split(' ').map(Number));
      } catch {
        // gone
      }
    }
    return found.slice(1);
  }

  /** The last JPEG out of the pipe. */
  get lastJpeg(): Buffer | undefined {
    return this.previous;
  }

  /** The application's process, to pause it (a screen that stops changing). */
  get appPid(): number | undefined {
    return this.children[1]?.pid;
  }

  private tags(data: Buffer): void {
    for (const tag of this.flv.push(data)) {
      if (tag.kind === 'config') this.avcConfig = parseAvcConfig(tag.record);
      if (tag.kind !== 'frame' || this.avcConfig === undefined) continue;
      this.h264.push(toAnnexB(tag.data, this.avcConfig, tag.keyframe));
      this.frames += 1;
      this.changedFrames += 1;
      this.bytes += tag.data.length;
    }
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
      this.bytes += frame.length;
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
