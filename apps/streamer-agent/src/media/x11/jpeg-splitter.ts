export interface SplitJpeg {
  data: Buffer;
  /** Date.now() when the chunk holding the frame's first byte arrived. */
  firstByteAt: number;
}

type Phase = 'seek-soi' | 'segments' | 'entropy';

/** Markers without a length field: TEM and the restart markers (SOI and EOI are handled on their own). */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/**
 * Cuts a stream of concatenated JPEGs (ffmpeg's image2pipe/mjpeg output) into frames. It walks the marker
 * segments by their lengths and only looks for EOI in entropy-coded data, where a 0xFF data byte is always
 * followed by a stuffed 0x00, so an FFD9 inside a header (a thumbnail, a comment) cannot end a frame early.
 * Garbage is skipped up to the next SOI, and a frame larger than maxFrameBytes is dropped, so the buffer is bounded.
 */
export class JpegSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  private pos = 0;
  private phase: Phase = 'seek-soi';
  private firstByteAt = 0;
  private droppedBytes = 0;

  constructor(private readonly maxFrameBytes = 32 * 1024 * 1024) {}

  /** Bytes thrown away so far as garbage or oversized frames. */
  get dropped(): number {
    return this.droppedBytes;
  }

  push(chunk: Buffer, now = Date.now()): SplitJpeg[] {
    if (this.buffer.length === 0) this.firstByteAt = now;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: SplitJpeg[] = [];
    for (;;) {
      const frame = this.step(now);
      if (frame === 'need-more') break;
      if (frame !== 'continue') frames.push(frame);
    }
    if (this.buffer.length > this.maxFrameBytes) {
      this.droppedBytes += this.buffer.length;
      this.reset(Buffer.alloc(0));
    }
    return frames;
  }

  private step(now: number): SplitJpeg | 'need-more' | 'continue' {
    const buf = this.buffer;
    switch (this.phase) {
      case 'seek-soi': {
        const soi = findSoi(buf, 0);
        if (soi < 0) {
          // Keep a trailing 0xFF: it may be the first half of the next SOI.
          const keep = buf.length > 0 && buf[buf.length - 1] === 0xff ? 1 : 0;
          this.droppedBytes += buf.length - keep;
          this.buffer = buf.subarray(buf.length - keep);
          if (keep === 0) this.buffer = Buffer.alloc(0);
          return 'need-more';
        }
        if (soi > 0) {
          this.droppedBytes += soi;
          this.firstByteAt = now;
        }
        this.buffer = buf.subarray(soi);
        this.pos = 2;
        this.phase = 'segments';
        return 'continue';
      }
      case 'segments': {
        let p = this.pos;
        if (p + 1 >= buf.length) return 'need-more';
        if (buf[p] !== 0xff) return this.resync();
        while (p < buf.length && buf[p] === 0xff) p++; // fill bytes
        if (p >= buf.length) return 'need-more';
        const marker = buf[p] ?? 0;
        if (marker === 0xd9) return this.finish(p + 1, now);
        if (marker === 0xd8 || marker === 0x00) return this.resync();
        if (isStandalone(marker)) {
          this.pos = p + 1;
          return 'continue';
        }
        if (p + 2 >= buf.length) return 'need-more';
        const length = buf.readUInt16BE(p + 1);
        if (length < 2) return this.resync();
        const end = p + 1 + length;
        if (end > buf.length) return 'need-more';
        this.pos = end;
        if (marker === 0xda) this.phase = 'entropy';
        return 'continue';
      }
      case 'entropy': {
        let p = this.pos;
        for (;;) {
          p = buf.indexOf(0xff, p);
          if (p < 0 || p + 1 >= buf.length) {
            // Resume at the unresolved 0xFF (or the end) next time instead of rescanning the frame.
            this.pos = p < 0 ? buf.length : p;
            return 'need-more';
          }
          const next = buf[p + 1] ?? 0;
          if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) {
            p += next === 0xff ? 1 : 2;
            continue;
          }
          if (next === 0xd9) return this.finish(p + 2, now);
          // Another marker segment (progressive scans, DHT between scans).
          this.pos = p;
          this.phase = 'segments';
          return 'continue';
        }
      }
    }
  }

  private finish(end: number, now: number): SplitJpeg {
    // Copy out: the frame outlives this buffer, and a subarray would pin the whole pipe chunk in memory.
    const frame: SplitJpeg = {
      data: Buffer.from(this.buffer.subarray(0, end)),
      firstByteAt: this.firstByteAt,
    };
    this.reset(this.buffer.subarray(end));
    this.firstByteAt = now;
    return frame;
  }

  private resync(): 'continue' {
    const next = findSoi(this.buffer, 1);
    const cut = next < 0 ? this.buffer.length : next;
    this.droppedBytes += cut;
    this.reset(this.buffer.subarray(cut));
    return 'continue';
  }

  private reset(rest: Buffer): void {
    this.buffer = rest;
    this.pos = 0;
    this.phase = 'seek-soi';
  }
}

function findSoi(buf: Buffer, from: number): number {
  let p = from;
  for (;;) {
    p = buf.indexOf(0xff, p);
    if (p < 0 || p + 1 >= buf.length) return -1;
    if (buf[p + 1] === 0xd8) return p;
    p += 1;
  }
}
