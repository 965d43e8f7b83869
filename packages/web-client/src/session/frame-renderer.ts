import { type FrameHeader } from '@webstream/contracts';
import { type DecodeReply, type DecodeRequest } from './decode-messages';
import { H264Decoder } from './h264-decoder';

/** A decoded picture: JPEG's ImageBitmap or H.264's VideoFrame; both are closed once drawn. */
type Picture = ImageBitmap | VideoFrame;

const widthOf = (picture: Picture): number =>
  picture instanceof ImageBitmap ? picture.width : picture.displayWidth;
const heightOf = (picture: Picture): number =>
  picture instanceof ImageBitmap ? picture.height : picture.displayHeight;

const MIME_TYPES: Record<FrameHeader['codec'], string | undefined> = {
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  h264: undefined,
};

export interface FrameRendererEvents {
  /** Asks the streamer for an H.264 keyframe (a decode error, or the decoder fell behind). */
  requestKeyframe(): void;
  /** Tells the streamer the newest H.264 frame drawn (a few times a second): its bitrate follows how late. */
  acknowledge(seq: number): void;
}

/** How often the newest drawn H.264 frame is acknowledged. */
const ACK_INTERVAL_MS = 200;

export interface RendererStats {
  /** Frames drawn in the last whole second. */
  fps: number;
  /** When the last frame was drawn, how long after its capture (clocks may differ: approximate). */
  frameAgeMs: number | undefined;
  /** Frames skipped because decoding or drawing fell behind. */
  dropped: number;
  /** The codec of the last frame drawn. */
  codec: FrameHeader['codec'] | undefined;
  /** Received kbit/s over the last second. */
  kbps: number;
  /** Mean H.264 decode time over the last second (WebCodecs). */
  decodeMs: number | undefined;
}

/**
 * Draws /capture frames on a canvas. H.264 decodes with WebCodecs (H264Decoder). JPEG decoding runs in a Web Worker where the browser allows (falling back to
 * createImageBitmap on the main thread); at most one frame decodes and one waits, the newest — so a slow
 * decoder or a hidden tab skips frames instead of queueing them — and drawing happens once per animation frame.
 */
export class FrameRenderer {
  private worker: Worker | undefined;
  private nextId = 1;
  private decoding: { id: number; header: FrameHeader } | undefined;
  private waiting: { header: FrameHeader; payload: Uint8Array } | undefined;
  private ready: { bitmap: Picture; header: FrameHeader } | undefined;
  private h264: H264Decoder | undefined;
  private received: { at: number; bytes: number }[] = [];
  private raf = 0;
  private drawn = 0;
  private drawnThisSecond: number[] = [];
  private lastHeader: FrameHeader | undefined;
  private lastFrameAgeMs: number | undefined;
  private lastAckAt = 0;
  private droppedCount = 0;
  private closed = false;
  private readonly context: CanvasRenderingContext2D | null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly events: FrameRendererEvents,
  ) {
    this.context = canvas.getContext('2d', { alpha: false });
    try {
      this.worker = new Worker(new URL('./decode-worker.ts', import.meta.url), {
        type: 'module',
        name: 'frame-decoder',
      });
      this.worker.onmessage = (event: MessageEvent<DecodeReply>) => this.decoded(event.data);
      this.worker.onerror = () => this.dropWorker();
    } catch {
      this.worker = undefined;
    }
  }

  get framesDrawn(): number {
    return this.drawn;
  }

  /** One frame message from /capture (the payload may be a view into a larger buffer that this takes over). */
  push(header: FrameHeader, payload: Uint8Array): void {
    if (this.closed) return;
    this.received.push({ at: performance.now(), bytes: payload.byteLength });
    if (header.codec === 'h264') {
      this.h264 ??= new H264Decoder({
        picture: (frame, frameHeader) => this.show(frame, frameHeader),
        needKeyframe: () => {
          this.canvas.dataset['decodeFailures'] = String(this.h264?.failures.length ?? 0);
          this.events.requestKeyframe();
        },
      });
      this.h264.push(header, payload);
      return;
    }
    if (MIME_TYPES[header.codec] === undefined) return;
    if (this.decoding !== undefined) {
      if (this.waiting !== undefined) this.droppedCount += 1;
      this.waiting = { header, payload };
      return;
    }
    this.decode(header, payload);
  }

  stats(now = performance.now()): RendererStats {
    this.drawnThisSecond = this.drawnThisSecond.filter((time) => now - time < 1000);
    this.received = this.received.filter((entry) => now - entry.at < 1000);
    return {
      fps: this.drawnThisSecond.length,
      frameAgeMs: this.lastFrameAgeMs,
      dropped: this.droppedCount,
      codec: this.lastHeader?.codec,
      kbps: Math.round((this.received.reduce((sum, entry) => sum + entry.bytes, 0) * 8) / 1000),
      decodeMs: this.h264?.stats(now).decodeMs,
    };
  }

  dispose(): void {
    this.closed = true;
    cancelAnimationFrame(this.raf);
    this.worker?.terminate();
    this.worker = undefined;
    this.h264?.close();
    this.ready?.bitmap.close();
    this.ready = undefined;
    this.waiting = undefined;
  }

  private decode(header: FrameHeader, payload: Uint8Array): void {
    const id = this.nextId++;
    this.decoding = { id, header };
    const mimeType = MIME_TYPES[header.codec] ?? 'image/jpeg';
    if (this.worker !== undefined) {
      // The message's buffer belongs to this frame alone: hand it over instead of copying it.
      const buffer = payload.buffer as ArrayBuffer;
      const request: DecodeRequest = {
        id,
        buffer,
        offset: payload.byteOffset,
        length: payload.byteLength,
        mimeType,
      };
      this.worker.postMessage(request, [buffer]);
      return;
    }
    createImageBitmap(new Blob([payload as Uint8Array<ArrayBuffer>], { type: mimeType })).then(
      (bitmap) => this.decoded({ id, bitmap }),
      (error: unknown) => this.decoded({ id, error: String(error) }),
    );
  }

  private decoded(reply: DecodeReply): void {
    const current = this.decoding;
    if (current === undefined || current.id !== reply.id) {
      if ('bitmap' in reply) reply.bitmap.close();
      return;
    }
    this.decoding = undefined;
    if (this.closed) {
      if ('bitmap' in reply) reply.bitmap.close();
      return;
    }
    if ('bitmap' in reply) {
      this.show(reply.bitmap, current.header);
    } else if (reply.error === 'unsupported') {
      this.dropWorker();
    }
    const next = this.waiting;
    this.waiting = undefined;
    if (next !== undefined) this.decode(next.header, next.payload);
  }

  /** The newest decoded picture waits for the next animation frame; an older one still waiting is skipped. */
  private show(picture: Picture, header: FrameHeader): void {
    if (this.closed) {
      picture.close();
      return;
    }
    if (this.ready !== undefined) {
      this.ready.bitmap.close();
      this.droppedCount += 1;
    }
    this.ready = { bitmap: picture, header };
    if (this.raf === 0) this.raf = requestAnimationFrame(() => this.draw());
  }

  /** The worker cannot decode (no createImageBitmap in workers, or it failed to load): decode on this thread. */
  private dropWorker(): void {
    this.worker?.terminate();
    this.worker = undefined;
    if (this.decoding !== undefined) {
      // Its bytes went to the worker; the next frame follows soon.
      this.decoding = undefined;
      const next = this.waiting;
      this.waiting = undefined;
      if (next !== undefined) this.decode(next.header, next.payload);
    }
  }

  private draw(): void {
    this.raf = 0;
    const frame = this.ready;
    this.ready = undefined;
    if (frame === undefined || this.closed) return;
    const { bitmap, header } = frame;
    const width = widthOf(bitmap);
    const height = heightOf(bitmap);
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.context?.drawImage(bitmap, 0, 0);
    bitmap.close();
    this.drawn += 1;
    const now = performance.now();
    this.drawnThisSecond.push(now);
    while (this.drawnThisSecond.length > 0 && now - this.drawnThisSecond[0]! >= 1000)
      this.drawnThisSecond.shift();
    this.lastHeader = header;
    // Measured when drawn: a still screen sends nothing, and its last picture is not getting late.
    this.lastFrameAgeMs = Math.max(0, Date.now() - header.timestamp);
    this.canvas.dataset['frames'] = String(this.drawn);
    this.canvas.dataset['codec'] = header.codec;
    if (header.codec === 'h264' && now - this.lastAckAt >= ACK_INTERVAL_MS) {
      this.lastAckAt = now;
      this.events.acknowledge(header.seq);
    }
  }
}
