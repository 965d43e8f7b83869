import { type MediaLogger } from '../../media';
import { EncoderProcess } from '../encoder-relay';
import { x11grabInput } from '../ffmpeg-grab';
import { type HelperSpawn } from '../session-sandbox';
import { type AvcConfig, parseAvcConfig, toAnnexB } from './avc';
import { FlvReader } from './flv-reader';

export interface H264Settings {
  display: string;
  width: number;
  height: number;
  frameRate: number;
  /** The VBV cap: no second of the stream is larger, however much of the screen changes. */
  bitrateKbps: number;
  /** A complete -vf filter (the watermark), or undefined for none. */
  filter: string | undefined;
}

/** The x264 preset: ultrafast keeps a 720p frame's encode at a few ms on one core (the notes: 22 % at 30 fps). */
const PRESET = 'ultrafast';
/** The quality aimed at below the cap: text stays sharp at 23 while a scroll is held to the cap by VBV. */
const CRF = 23;

/** x11grab → libx264 (zerolatency, no B-frames, a keyframe only at the start) → FLV on stdout. */
export function h264Args(settings: H264Settings): string[] {
  const kbps = Math.round(settings.bitrateKbps);
  return [
    ...x11grabInput(settings),
    '-c:v',
    'libx264',
    '-preset',
    PRESET,
    '-tune',
    'zerolatency',
    '-bf',
    '0',
    // Keyframes come when a viewer needs one (a new encoder), never on a timer or a scene change.
    '-x264-params',
    'keyint=infinite:scenecut=0',
    '-crf',
    String(CRF),
    '-maxrate',
    `${kbps}k`,
    // Half a second of buffer: a full-screen change is spread over a few frames instead of one huge one.
    '-bufsize',
    `${Math.max(1, Math.round(kbps / 2))}k`,
    '-pix_fmt',
    'yuv420p',
    '-flush_packets',
    '1',
    '-f',
    'flv',
    '-',
  ];
}

export interface H264AccessUnit {
  keyframe: boolean;
  /** Annex-B; a keyframe carries its SPS and PPS. */
  data: Buffer;
  /** When its last byte arrived from ffmpeg. */
  arrivedAt: number;
}

/** One ffmpeg H.264 encoder and the access units it writes; its first is a keyframe. */
export class H264Encoder extends EncoderProcess {
  private readonly reader = new FlvReader();
  private config: AvcConfig | undefined;

  constructor(
    readonly settings: H264Settings,
    spawnAs: HelperSpawn,
    private readonly logger: MediaLogger,
    private readonly onAccessUnit: (unit: H264AccessUnit, encoder: H264Encoder) => void,
  ) {
    super('ffmpeg-h264', h264Args(settings), spawnAs, logger);
  }

  protected output(chunk: Buffer): void {
    try {
      for (const tag of this.reader.push(chunk)) {
        if (tag.kind === 'config') {
          this.config = parseAvcConfig(tag.record);
          continue;
        }
        if (this.config === undefined) continue;
        const data = toAnnexB(tag.data, this.config, tag.keyframe);
        this.onAccessUnit({ keyframe: tag.keyframe, data, arrivedAt: Date.now() }, this);
      }
    } catch (error: unknown) {
      this.logger.error({ err: error }, 'the H.264 encoder wrote what could not be read; stopping it');
      void this.stop();
    }
  }
}
