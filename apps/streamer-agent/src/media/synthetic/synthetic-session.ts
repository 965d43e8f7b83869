import { rm } from 'node:fs/promises';
import { type MediaOptions, type MediaSession } from '../media';
import { SyntheticScene } from './scene';
import { SineTone } from './sine-tone';
import { SyntheticCapture } from './synthetic-capture';
import { SyntheticInput } from './synthetic-input';

/**
 * A session without X: a generated picture that reflects the input, and a tone. Nothing in it can end by itself,
 * so `ended` never resolves (not on stop() either, as for x11).
 */
export class SyntheticMediaSession implements MediaSession {
  readonly kind = 'synthetic' as const;
  readonly scene: SyntheticScene;
  readonly capture: SyntheticCapture;
  readonly h264 = undefined;
  readonly input: SyntheticInput;
  readonly audio: SineTone | undefined;
  readonly ended: Promise<string> = new Promise<string>(() => undefined);
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: MediaOptions) {
    this.scene = new SyntheticScene(options.width, options.height, options.watermark);
    this.capture = new SyntheticCapture(this.scene, options.frameRate, options.jpegQuality, options.logger);
    this.input = new SyntheticInput(this.scene, options.logger);
    this.audio = options.audio ? new SineTone(options.logger) : undefined;
  }

  start(): void {
    this.capture.start();
    this.options.logger.info(
      { width: this.options.width, height: this.options.height, audio: this.audio !== undefined },
      'synthetic media session started',
    );
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.capture.stop();
    this.audio?.stop();
    await rm(this.options.workDir, { recursive: true, force: true });
  }
}
