import {
  type AudioFormatMessage,
  type SessionSandbox,
  type KeyMessage,
  type PointerMessage,
  type WheelMessage,
} from '@webstream/contracts';

/** Where a session's pictures come from: a real X display, or a generated picture for machines without X. */
export type CaptureKind = 'x11' | 'synthetic';

export interface EncodedFrame {
  codec: 'jpeg';
  data: Buffer;
  width: number;
  height: number;
  /** Date.now() when the picture was grabbed, before encoding: the start of capture-to-client latency. */
  capturedAt: number;
}

export interface MediaLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  /** Optional: per-event detail (an unknown key, a dropped message) that would flood info; pino loggers have it. */
  debug?(obj: object, msg: string): void;
}

export interface MediaOptions {
  width: number;
  height: number;
  frameRate: number;
  /** ffmpeg's JPEG quantiser to start with: 2 best .. 31 smallest. */
  jpegQuality: number;
  /** The workspace's application (x11 only), started without a shell. */
  appExe: string;
  appArgs: string[];
  /** Drawn with the current time into every frame when set (the policy's watermark: user name, text). */
  watermark?: string;
  /** Whether to capture the session's sound (the policy's audio flag). */
  audio: boolean;
  /** A folder of this session's own (X authority, PulseAudio runtime); removed by stop(). */
  workDir: string;
  /** How the session's programs are confined; null only where sessionHost.sandbox.mode is none. */
  sandbox: SessionSandbox | null;
  logger: MediaLogger;
}

export interface CaptureSource {
  /** Called for every frame that differs from the previous one; unchanged frames are skipped at the source. */
  onFrame(listener: (frame: EncodedFrame) => void): void;
  /** The last frame, for a client that joins (or asks for a keyframe) while the screen is still. */
  latest(): EncodedFrame | undefined;
  /** The quantiser now in use (2 best .. 31 smallest). */
  readonly quality: number;
  /** Moves to another quantiser; takes effect within about a second. */
  setQuality(quality: number): void;
  /**
   * Whether any client is looking. An unwatched source may stop capturing (a still screen costs an x11 grab
   * a quarter of a core) and starts again when watched, its first frame within about half a second.
   */
  setWatched(watched: boolean): void;
}

export interface InputSink {
  key(message: KeyMessage): void;
  pointer(message: PointerMessage): void;
  wheel(message: WheelMessage): void;
  /** Puts text on the session's clipboard (client → session). */
  setClipboard(text: string): Promise<void>;
  /** The session's clipboard changed (session → client). */
  onClipboard(listener: (text: string) => void): void;
  /** Resizes the display; false when this source cannot. */
  resize(width: number, height: number): Promise<boolean>;
}

export interface AudioSource {
  readonly format: Omit<AudioFormatMessage, 'type'>;
  /** Raw chunks of `format`, about every 20 ms while the session makes sound (silence included). */
  onChunk(listener: (chunk: Buffer) => void): void;
}

/** One session's display, application, capture, input and sound; stop() leaves no process behind. */
export interface MediaSession {
  readonly kind: CaptureKind;
  readonly capture: CaptureSource;
  readonly input: InputSink;
  /** Absent when the policy turns sound off or the machine has no way to capture it. */
  readonly audio: AudioSource | undefined;
  /** Resolves, with a reason, when the application or the display ends by itself. */
  readonly ended: Promise<string>;
  stop(): Promise<void>;
}
