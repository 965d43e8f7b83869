import { closeSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type MediaOptions, type MediaSession } from '../media';
import { clampQuality } from '../quality';
import { watermarkFilter } from './drawtext';
import { FfmpegCapture } from './ffmpeg-capture';
import { H264Capture } from './h264/h264-capture';
import { ClockTicks, ScreenDamage, type ScreenActivity } from './screen-damage';
import { describeExit, ManagedChild } from './managed-child';
import { PulseAudioSource } from './pulse-audio';
import { findWatermarkFont } from './watermark-font';
import { X11Clipboard } from './x11-clipboard';
import { X11Input } from './x11-input';
import { writeXauthority } from './xauthority';
import { startXvfb, type RunningXvfb } from './xvfb';
import { XdotoolProcess } from './xdotool-process';
import { type HelperSpawn, SessionSandboxRunner } from './session-sandbox';
import { ScreenResizer } from './xrandr-resize';

/** How long an application's exit waits for a dying Xvfb's, so the display is named as the cause. */
const DISPLAY_GRACE_MS = 300;

/**
 * Xvfb, the application, ffmpeg capture, xdotool input, xclip clipboard and optionally PulseAudio, for one session.
 * `ended` resolves when the application or Xvfb exits by itself, never because of stop() (the owner reports the
 * reason, and a shutdown it started itself is not news); it does not stop the rest: the owner calls stop().
 */
export class X11MediaSession implements MediaSession {
  readonly kind = 'x11' as const;
  readonly ended: Promise<string>;
  private endWith!: (reason: string) => void;
  private stopping: Promise<void> | undefined;
  private endReason: string | undefined;
  private size: { width: number; height: number };
  private readonly resizer: ScreenResizer;

  private constructor(
    private readonly options: MediaOptions,
    private readonly xvfb: RunningXvfb,
    private readonly app: ManagedChild,
    private readonly xdotool: XdotoolProcess,
    private readonly clipboard: X11Clipboard,
    readonly capture: FfmpegCapture,
    readonly h264: H264Capture,
    private readonly activity: ScreenActivity,
    readonly audio: PulseAudioSource | undefined,
    private readonly helpers: HelperSpawn,
  ) {
    this.size = { width: options.width, height: options.height };
    this.resizer = new ScreenResizer(helpers);
    this.ended = new Promise((resolve) => {
      this.endWith = resolve;
    });
    this.input = new X11Input(
      xdotool,
      clipboard,
      () => this.size,
      (width, height) => this.resize(width, height),
      options.logger,
    );
    void app.exited.then(async (exit) => {
      // When Xvfb dies its clients die with it, and the application's exit may be noticed first: the display's
      // end is the cause worth reporting, so it gets a moment to arrive.
      await Promise.race([
        xvfb.child.exited,
        new Promise((resolve) => setTimeout(resolve, DISPLAY_GRACE_MS)),
      ]);
      this.childEnded(describeExit('the application', exit), app);
    });
    void xvfb.child.exited.then((exit) => {
      void this.capture.halt();
      void this.h264.halt();
      this.activity.close();
      this.childEnded(describeExit('the display server (Xvfb)', exit), xvfb.child);
    });
  }

  readonly input: X11Input;

  /** ':N', the session's X display. */
  get display(): string {
    return this.xvfb.display;
  }

  /** Every child process running for this session now (diagnostics, and the tests' leak check). */
  get pids(): number[] {
    return [
      this.xvfb.child.pid,
      this.app.pid,
      this.xdotool.pid,
      ...this.capture.pids,
      ...this.h264.pids,
      ...this.clipboard.pids,
      ...(this.audio?.pids ?? []),
    ].filter((pid): pid is number => pid !== undefined);
  }

  /** How the streamer's helpers are started: their environment (DISPLAY, XAUTHORITY, PULSE_SERVER, locale), uid. */
  get helperSpawn(): HelperSpawn {
    return { ...this.helpers, env: { ...this.helpers.env } };
  }

  static async start(options: MediaOptions): Promise<X11MediaSession> {
    const { logger, workDir } = options;
    const runner = new SessionSandboxRunner(options.sandbox, process.env);
    await mkdir(workDir, { recursive: true, mode: 0o700 });
    const cleanups: (() => Promise<void>)[] = [];
    try {
      const authFile = join(workDir, 'Xauthority');
      const cookie = await writeXauthority(authFile);
      // Xvfb runs as the session's uid and reads it; so may the application, and nobody else.
      await runner.own(authFile);
      const baseEnv = runner.helperEnv({});
      // PulseAudio does not need X: it starts while Xvfb does.
      const [xvfbResult, audioResult] = await Promise.allSettled([
        startXvfb({
          width: options.width,
          height: options.height,
          authFile,
          glx: options.glx,
          env: baseEnv,
          runner,
          logger,
        }),
        options.audio ? PulseAudioSource.start(workDir, runner, logger) : Promise.resolve(undefined),
      ]);
      const audio = audioResult.status === 'fulfilled' ? audioResult.value : undefined;
      if (audio) cleanups.push(() => audio.stop());
      if (xvfbResult.status === 'rejected') throw xvfbResult.reason;
      const xvfb = xvfbResult.value;
      cleanups.push(() => xvfb.child.terminate());

      const helpers = runner.helper({
        DISPLAY: xvfb.display,
        XAUTHORITY: authFile,
        ...(audio ? { PULSE_SERVER: audio.server } : {}),
      });

      const xdotool = new XdotoolProcess(helpers, logger);
      cleanups.push(() => xdotool.stop());
      await xdotool.start();
      // No window manager: focus follows the pointer, so start it where a full-screen application will be.
      xdotool.send([`mousemove ${Math.floor(options.width / 2)} ${Math.floor(options.height / 2)}`]);

      const launch = runner.application(options.appExe, options.appArgs, xvfb.display, {
        runtimeDir: workDir,
        authFile,
        pulseServer: audio?.server,
      });
      const app = new ManagedChild({ name: 'application', ...launch, logger });
      cleanups.push(() => app.terminate());
      try {
        await app.started;
      } finally {
        // The child holds its own copies of the descriptors it was handed (its home).
        for (const fd of launch.fds) if (typeof fd === 'number') closeSync(fd);
      }

      const damage = await ScreenDamage.watch(xvfb.display, cookie, logger);
      const activity: ScreenActivity =
        options.watermark === undefined ? damage : new ClockTicks(damage, 1_000, logger);
      cleanups.push(() => Promise.resolve(activity.close()));
      const picture = {
        display: xvfb.display,
        width: options.width,
        height: options.height,
        frameRate: options.frameRate,
        filter:
          options.watermark === undefined
            ? undefined
            : watermarkFilter({
                text: options.watermark,
                fontFile: findWatermarkFont(logger),
                height: options.height,
              }),
      };
      const capture = new FfmpegCapture(
        { ...picture, quality: clampQuality(options.jpegQuality) },
        activity,
        helpers,
        logger,
      );
      cleanups.push(() => capture.halt());
      capture.start();
      // Started by its first viewer: most sessions have one codec's viewers only.
      const h264 = new H264Capture(
        { ...picture, bitrateKbps: options.maxBitrateKbps },
        damage,
        helpers,
        logger,
      );
      cleanups.push(() => h264.halt());

      const clipboard = new X11Clipboard(helpers, logger);
      clipboard.start();

      logger.info(
        { display: xvfb.display, app: options.appExe, audio: audio !== undefined, pid: app.pid },
        'x11 media session started',
      );
      return new X11MediaSession(
        options,
        xvfb,
        app,
        xdotool,
        clipboard,
        capture,
        h264,
        damage,
        audio,
        helpers,
      );
    } catch (error: unknown) {
      await Promise.all(cleanups.map((cleanup) => cleanup()));
      await rm(options.workDir, { recursive: true, force: true });
      throw error;
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.activity.close();
    await Promise.all([
      this.capture.halt(),
      this.h264.halt(),
      this.clipboard.stop(),
      this.xdotool.stop(),
      this.audio?.stop(),
      this.app.terminate(),
    ]);
    // The display goes last: its clients would otherwise log broken connections before their own SIGTERM.
    await this.xvfb.child.terminate();
    await rm(this.options.workDir, { recursive: true, force: true });
    this.options.logger.info({ display: this.xvfb.display }, 'x11 media session stopped');
  }

  /** Xvfb can only shrink its screen and grow it back up to the size it started with (see resizeScreen). */
  private async resize(width: number, height: number): Promise<boolean> {
    const { options } = this;
    const fits = (n: number, max: number): boolean => Number.isInteger(n) && n >= 1 && n <= max;
    if (this.stopping || !fits(width, options.width) || !fits(height, options.height)) {
      options.logger.info({ width, height }, 'display resize refused: beyond the display started');
      return false;
    }
    const actual = await this.resizer.resize(width, height);
    if (actual && (actual.width !== this.size.width || actual.height !== this.size.height)) {
      // Whatever happened, capture must follow the real screen: x11grab fails on an area outside it.
      this.size = actual;
      this.capture.setSize(actual.width, actual.height);
      this.h264.setSize(actual.width, actual.height);
    }
    const resized = actual?.width === width && actual.height === height;
    options.logger.info({ width, height, resized }, 'display resize requested');
    return resized;
  }

  private childEnded(reason: string, child: ManagedChild): void {
    if (this.stopping || this.endReason !== undefined) return;
    this.endReason = reason;
    this.options.logger.info({ reason, stderr: child.stderr.text() }, 'x11 media session ended');
    this.endWith(reason);
  }
}
