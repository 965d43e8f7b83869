import {
  type AudioCodec,
  type AudioFormatMessage,
  type VideoCodec,
  type SessionSandbox,
  type KeyMessage,
  type PointerMessage,
  type WheelMessage,
} from '@webstream/contracts';

/** Where a session's pictures come from: a real X display, or a generated picture for machines without X. */
export type CaptureKind = 'x11' | 'synthetic';

export interface EncodedFrame {
  codec: VideoCodec;
  /** A JPEG is always whole; an H.264 access unit only when it is an IDR (with its SPS and PPS). */
  keyframe: boolean;
  /** JPEG bytes, or one H.264 access unit in Annex-B (start codes). */
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
  /** OpenGL (GLX) on the display (streamer.glx). */
  glx: boolean;
  /** The policy's H.264 bitrate cap. */
  maxBitrateKbps: number;
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

/**
 * The session's picture as H.264: one encoder for every viewer. Deltas depend on what came before, so a viewer
 * that joins, falls behind or fails to decode waits for the next keyframe, which it asks for.
 */
export interface H264Source {
  onFrame(listener: (frame: EncodedFrame) => void): void;
  /** A keyframe within about half a second (requests close together share one). */
  requestKeyframe(): void;
  /** The cap in kbit/s now in use. */
  readonly bitrateKbps: number;
  /** Moves the cap (adaptive quality), never above the policy's; takes effect with the next keyframe. */
  setBitrate(kbps: number): void;
  /** As CaptureSource.setWatched: an unwatched encoder stops. */
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

export type AudioFormat = Omit<AudioFormatMessage, 'type'>;

/** One listener's sound; stop() when it leaves. */
export interface AudioListening {
  readonly format: AudioFormat;
  stop(): void;
}

/**
 * The session's sound. Nothing is captured while nobody listens: the first listener of a codec starts its
 * encoder, the last one to stop ends it.
 */
export interface AudioSource {
  /** The codecs this source sends, best first. */
  readonly codecs: readonly AudioCodec[];
  /** Chunks of `codec` (an Opus packet or 20 ms of PCM), about every 20 ms, until stop(). */
  listen(codec: AudioCodec, listener: (chunk: Buffer) => void): AudioListening;
}

/** One session's display, application, capture, input and sound; stop() leaves no process behind. */
export interface MediaSession {
  readonly kind: CaptureKind;
  /** JPEG frames, which every browser decodes. */
  readonly capture: CaptureSource;
  /** Absent where this kind of session has no H.264 encoder (the synthetic picture). */
  readonly h264: H264Source | undefined;
  readonly input: InputSink;
  /** Absent when the policy turns sound off or the machine has no way to capture it. */
  readonly audio: AudioSource | undefined;
  /** Resolves, with a reason, when the application or the display ends by itself. */
  readonly ended: Promise<string>;
  stop(): Promise<void>;
}
