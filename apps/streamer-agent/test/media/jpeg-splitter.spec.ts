import { encode } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { JpegSplitter } from '../../src/media/x11/jpeg-splitter';

function jpeg(shade: number): Buffer {
  const data = Buffer.alloc(16 * 8 * 4, shade);
  // A comment segment holding FFD9: only a marker-aware splitter gets past it.
  return encode({ data, width: 16, height: 8, comments: ['\u00ff\u00d9 not the end'] }, 90).data;
}

describe('JpegSplitter', () => {
  it('cuts concatenated JPEGs at any chunk boundary', () => {
    const frames = [jpeg(10), jpeg(120), jpeg(250)];
    // The comment really holds an FFD9 before the true end.
    expect(frames[0]?.indexOf(Buffer.from([0xff, 0xd9]))).toBeLessThan((frames[0]?.length ?? 0) - 2);
    const stream = Buffer.concat(frames);
    for (const chunkSize of [1, 7, 64, stream.length]) {
      const splitter = new JpegSplitter();
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += chunkSize) {
        out.push(...splitter.push(stream.subarray(i, i + chunkSize)).map((f) => f.data));
      }
      expect(out).toEqual(frames);
    }
  });

  it('skips garbage before and between frames', () => {
    const a = jpeg(1);
    const b = jpeg(2);
    const splitter = new JpegSplitter();
    const out = splitter.push(
      Buffer.concat([Buffer.from('noise\xff'), a, Buffer.from([0x00, 0xff, 0x12]), b]),
    );
    expect(out.map((f) => f.data)).toEqual([a, b]);
    expect(splitter.dropped).toBeGreaterThan(0);
  });

  it('stamps a frame with the arrival time of its first bytes', () => {
    const a = jpeg(1);
    const splitter = new JpegSplitter();
    expect(splitter.push(a.subarray(0, 10), 1000)).toEqual([]);
    const [frame] = splitter.push(a.subarray(10), 2000);
    expect(frame?.firstByteAt).toBe(1000);
  });

  it('drops a frame that outgrows its bound and recovers on the next one', () => {
    const splitter = new JpegSplitter(1024);
    const endless = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x04, 0x00, 0x00, 0xff, 0xda, 0x00, 0x02]),
    ]);
    expect(splitter.push(endless)).toEqual([]);
    expect(splitter.push(Buffer.alloc(4096, 0x11))).toEqual([]);
    const good = jpeg(3);
    expect(splitter.push(good).map((f) => f.data)).toEqual([good]);
  });
});
