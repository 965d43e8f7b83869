import { type FrameHeader } from '@webstream/contracts';

/** What the decoder hands on: a picture to draw (the caller closes it). */
export type DecodedPicture = VideoFrame;

export interface H264DecoderEvents {
  picture(frame: VideoFrame, header: FrameHeader): void;
  /** The stream cannot go on from here: the streamer is asked for a keyframe. */
  needKeyframe(): void;
}

/** A configuration every WebCodecs build with H.264 decodes (Constrained Baseline, level 3.1). */
const PROBE_CODEC = 'avc1.42E01F';
/** More waiting than this and the decoder is behind: frames are skipped to the next keyframe, not queued. */
const MAX_DECODE_QUEUE = 2;
/** A frame that has not come out after this long: the decoder has stalled. */
const STALL_MS = 1_000;

/** Whether this browser decodes H.264 with WebCodecs (only in secure contexts: HTTPS or localhost). */
export async function canDecodeH264(): Promise<boolean> {
  if (typeof VideoDecoder === 'undefined') return false;
  try {
    const support = await VideoDecoder.isConfigSupported({ codec: PROBE_CODEC, optimizeForLatency: true });
    return support.supported === true;
  } catch {
    return false;
  }
}

/**
 * The 'avc1.PPCCLL' codec string of an Annex-B keyframe, read from its SPS (profile, constraint flags, level),
 * or undefined when the access unit carries none.
 */
export function codecStringOf(accessUnit: Uint8Array): string | undefined {
  for (let i = 0; i + 7 < accessUnit.length; i++) {
    const startCode =
      accessUnit[i] === 0 &&
      accessUnit[i + 1] === 0 &&
      (accessUnit[i + 2] === 1 || (accessUnit[i + 2] === 0 && accessUnit[i + 3] === 1));
    if (!startCode) continue;
    const nal = i + (accessUnit[i + 2] === 1 ? 3 : 4);
    if ((accessUnit[nal]! & 0x1f) === 7) {
      const hex = (byte: number): string => byte.toString(16).padStart(2, '0').toUpperCase();
      return `avc1.${hex(accessUnit[nal + 1]!)}${hex(accessUnit[nal + 2]!)}${hex(accessUnit[nal + 3]!)}`;
    }
    i = nal;
  }
  return undefined;
}

export interface H264Stats {
  /** Mean ms from decode() to the picture over the last second's frames. */
  decodeMs: number | undefined;
  /** Whether the software decoder is in use (after the hardware one failed). */
  software: boolean;
}

/**
 * WebCodecs VideoDecoder for the streamer's Annex-B access units: configured from each keyframe's SPS, one frame
 * decoding at a time at most (queued frames only add latency), and on any error a new decoder — in software
 * when the hardware one failed — that waits for the keyframe it asks for.
 */
export class H264Decoder {
  private decoder: VideoDecoder | undefined;
  private codec: string | undefined;
  private software = false;
  private awaitingKeyframe = true;
  private readonly inFlight = new Map<number, { header: FrameHeader; startedAt: number }>();
  private decodeTimes: { at: number; ms: number }[] = [];
  private closed = false;
  /** Why decoding started over, oldest first (the page shows the count; tests read the reasons). */
  readonly failures: string[] = [];

  constructor(private readonly events: H264DecoderEvents) {}

  push(header: FrameHeader, payload: Uint8Array): void {
    if (this.closed) return;
    if (header.keyframe) {
      const codec = codecStringOf(payload);
      if (codec === undefined) return this.fail('a keyframe without an SPS');
      if (this.decoder === undefined || this.decoder.state === 'closed' || codec !== this.codec)
        this.configure(codec);
      this.awaitingKeyframe = false;
    } else if (this.awaitingKeyframe || this.decoder === undefined) {
      return; // a delta without what it refers to; the keyframe was asked for
    }
    const decoder = this.decoder!;
    const now = performance.now();
    const oldest = this.inFlight.values().next().value;
    if (oldest !== undefined && now - oldest.startedAt > STALL_MS)
      return this.fail('the decoder stalled', true);
    if (!header.keyframe && decoder.decodeQueueSize >= MAX_DECODE_QUEUE) {
      this.awaitingKeyframe = true;
      this.events.needKeyframe();
      return;
    }
    // The sequence number as timestamp: it pairs each picture with its header.
    this.inFlight.set(header.seq, { header, startedAt: now });
    try {
      decoder.decode(
        new EncodedVideoChunk({
          type: header.keyframe ? 'key' : 'delta',
          timestamp: header.seq,
          data: payload,
        }),
      );
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
    }
  }

  stats(now = performance.now()): H264Stats {
    this.decodeTimes = this.decodeTimes.filter((entry) => now - entry.at < 1000);
    const total = this.decodeTimes.reduce((sum, entry) => sum + entry.ms, 0);
    return {
      decodeMs: this.decodeTimes.length === 0 ? undefined : total / this.decodeTimes.length,
      software: this.software,
    };
  }

  close(): void {
    this.closed = true;
    if (this.decoder?.state !== 'closed') this.decoder?.close();
    this.decoder = undefined;
  }

  private configure(codec: string): void {
    if (this.decoder !== undefined && this.decoder.state !== 'closed') this.decoder.close();
    this.inFlight.clear();
    this.codec = codec;
    const decoder = new VideoDecoder({
      output: (frame) => this.output(frame),
      error: (error) => {
        if (decoder !== this.decoder) return;
        // A hardware decoder that errs or stalls is not tried again in this page.
        this.fail(error.message, true);
      },
    });
    decoder.configure({
      codec,
      optimizeForLatency: true,
      hardwareAcceleration: this.software ? 'prefer-software' : 'no-preference',
    });
    this.decoder = decoder;
  }

  private output(frame: VideoFrame): void {
    const entry = this.inFlight.get(frame.timestamp);
    this.inFlight.delete(frame.timestamp);
    if (this.closed || entry === undefined) {
      frame.close();
      return;
    }
    const now = performance.now();
    this.decodeTimes.push({ at: now, ms: now - entry.startedAt });
    this.events.picture(frame, entry.header);
  }

  private fail(why: string, toSoftware = false): void {
    if (this.closed) return;
    this.failures.push(why);
    if (toSoftware) this.software = true;
    if (this.decoder !== undefined && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = undefined;
    this.awaitingKeyframe = true;
    this.events.needKeyframe();
  }
}
