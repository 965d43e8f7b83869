import { type FrameHeader } from '@webstream/contracts';
import { type DecodeReply, type DecodeRequest } from './decode-messages';

const MIME_TYPES: Record<FrameHeader['codec'], string | undefined> = {
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  h264: undefined,
};

export interface RendererStats {
  /** Frames drawn in the last whole second. */
  fps: number;
  /** now − the frame's capture timestamp of the last frame drawn (clocks may differ: approximate). */
  frameAgeMs: number | undefined;
  /** Frames skipped because decoding or drawing fell behind. */
  dropped: number;
}

/**
 * Draws /capture frames on a canvas. Decoding runs in a Web Worker where the browser allows (falling back to
 * createImageBitmap on the main thread); at most one frame decodes and one waits, the newest — so a slow
 * decoder or a hidden tab skips frames instead of queueing them — and drawing happens once per animation frame.
 */
export class FrameRenderer {
  private worker: Worker | undefined;
  private nextId = 1;
  private decoding: { id: number; header: FrameHeader } | undefined;
  private waiting: { header: FrameHeader; payload: Uint8Array } | undefined;
  private ready: { bitmap: ImageBitmap; header: FrameHeader } | undefined;
  private raf = 0;
  private drawn = 0;
  private drawnThisSecond: number[] = [];
  private lastHeader: FrameHeader | undefined;
  private droppedCount = 0;
  private closed = false;
  private readonly context: CanvasRenderingContext2D | null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onFirstFrameSize: (width: number, height: number) => void = () => undefined,
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
    if (this.closed || MIME_TYPES[header.codec] === undefined) return;
    if (this.decoding !== undefined) {
      if (this.waiting !== undefined) this.droppedCount += 1;
      this.waiting = { header, payload };
      return;
    }
    this.decode(header, payload);
  }

  stats(now = performance.now()): RendererStats {
    this.drawnThisSecond = this.drawnThisSecond.filter((time) => now - time < 1000);
    return {
      fps: this.drawnThisSecond.length,
      frameAgeMs:
        this.lastHeader === undefined ? undefined : Math.max(0, Date.now() - this.lastHeader.timestamp),
      dropped: this.droppedCount,
    };
  }

  dispose(): void {
    this.closed = true;
    cancelAnimationFrame(this.raf);
    this.worker?.terminate();
    this.worker = undefined;
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
      if (this.ready !== undefined) {
        this.ready.bitmap.close();
        this.droppedCount += 1;
      }
      this.ready = { bitmap: reply.bitmap, header: current.header };
      if (this.raf === 0) this.raf = requestAnimationFrame(() => this.draw());
    } else if (reply.error === 'unsupported') {
      this.dropWorker();
    }
    const next = this.waiting;
    this.waiting = undefined;
    if (next !== undefined) this.decode(next.header, next.payload);
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
    const first = this.drawn === 0;
    if (this.canvas.width !== bitmap.width || this.canvas.height !== bitmap.height) {
      this.canvas.width = bitmap.width;
      this.canvas.height = bitmap.height;
    }
    this.context?.drawImage(bitmap, 0, 0);
    bitmap.close();
    this.drawn += 1;
    const now = performance.now();
    this.drawnThisSecond.push(now);
    while (this.drawnThisSecond.length > 0 && now - this.drawnThisSecond[0]! >= 1000)
      this.drawnThisSecond.shift();
    this.lastHeader = header;
    this.canvas.dataset['frames'] = String(this.drawn);
    if (first) this.onFirstFrameSize(bitmap.width, bitmap.height);
  }
}
