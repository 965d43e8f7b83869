import { describe, expect, it } from 'vitest';
import { pcmS16leToFloat32, scheduleChunk } from '../../src/session/pcm';

function s16le(samples: number[], offset = 0): Uint8Array {
  const bytes = new Uint8Array(offset + samples.length * 2);
  const view = new DataView(bytes.buffer);
  samples.forEach((sample, index) => view.setInt16(offset + index * 2, sample, true));
  return bytes.subarray(offset);
}

describe('pcmS16leToFloat32', () => {
  it('splits interleaved stereo into channels and scales to −1 … 1', () => {
    const [left, right] = pcmS16leToFloat32(s16le([0, 32767, -32768, 16384, 1, -1]), 2);
    expect(Array.from(left!)).toEqual([0, -1, 1 / 32768]);
    expect(right![0]).toBeCloseTo(32767 / 32768, 6);
    expect(right![1]).toBe(0.5);
    expect(right![2]).toBe(-1 / 32768);
  });

  it('reads little-endian from an unaligned view and ignores a trailing partial frame', () => {
    const bytes = s16le([256, -256, 512], 1); // odd byte offset
    const channels = pcmS16leToFloat32(bytes.subarray(0, 5), 2);
    expect(channels).toHaveLength(2);
    expect(channels[0]).toHaveLength(1);
    expect(channels[0]![0]).toBe(256 / 32768);
    expect(channels[1]![0]).toBe(-256 / 32768);
  });

  it('handles mono', () => {
    const [mono] = pcmS16leToFloat32(s16le([8192, -8192]), 1);
    expect(Array.from(mono!)).toEqual([0.25, -0.25]);
  });
});

describe('scheduleChunk', () => {
  const options = { targetLatency: 0.08, maxLatency: 0.3 };

  it('starts the first chunk a jitter buffer ahead of the playhead', () => {
    expect(scheduleChunk(10, 0, 0.02, options)).toEqual({ play: true, start: 10.08, next: 10.1 });
  });

  it('plays chunks back to back while the queue is healthy', () => {
    const decision = scheduleChunk(10, 10.1, 0.02, options);
    expect(decision).toEqual({ play: true, start: 10.1, next: expect.closeTo(10.12, 9) as number });
  });

  it('restarts ahead after an underrun instead of scheduling in the past', () => {
    const decision = scheduleChunk(12, 11.5, 0.02, options);
    expect(decision.play).toBe(true);
    expect(decision.play && decision.start).toBeCloseTo(12.08, 9);
  });

  it('drops chunks while too much is queued, leaving the queue end unchanged', () => {
    expect(scheduleChunk(10, 10.5, 0.02, options)).toEqual({ play: false, next: 10.5 });
  });
});
