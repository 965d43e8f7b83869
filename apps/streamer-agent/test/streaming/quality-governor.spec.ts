import { describe, expect, it } from 'vitest';
import { BitrateGovernor, LATE_ACK_MS, QualityGovernor } from '../../src/streaming/quality-governor';

describe('adaptive quality', () => {
  it('cuts the H.264 bitrate by 30 % each congested second, never under 200 kbit/s, and raises it back to the cap after clean ones', () => {
    const governor = new BitrateGovernor(2000);
    expect(governor.second(30, 0)).toBe(2000);
    expect(governor.second(20, 10)).toBe(1400);
    expect(governor.second(20, 10)).toBe(980);
    for (let i = 0; i < 10; i += 1) governor.second(0, 30);
    expect(governor.second(0, 30)).toBe(200);
    // Four clean seconds change nothing; the fifth raises it 15 %.
    for (let i = 0; i < 4; i += 1) expect(governor.second(30, 0)).toBe(200);
    expect(governor.second(30, 0)).toBe(230);
    // A second with nothing sent says nothing either way.
    expect(governor.second(0, 0)).toBe(230);
    for (let i = 0; i < 200; i += 1) governor.second(30, 0);
    expect(governor.second(30, 0)).toBe(2000);
  });

  it('cuts the bitrate when frames are acknowledged late, before any socket fills', () => {
    const governor = new BitrateGovernor(2000);
    expect(governor.second(30, 0, LATE_ACK_MS)).toBe(2000);
    expect(governor.second(30, 0, LATE_ACK_MS + 1)).toBe(1400);
    // The late second restarts the count of clean ones.
    for (let i = 0; i < 4; i += 1) expect(governor.second(30, 0, 40)).toBe(1400);
    expect(governor.second(30, 0, 40)).toBe(1610);
  });

  it('moves the JPEG quantiser towards 31 when viewers fall behind, and back towards the configured one', () => {
    const governor = new QualityGovernor(5);
    expect(governor.second(20, 10)).toBe(8);
    for (let i = 0; i < 4; i += 1) expect(governor.second(30, 0)).toBe(8);
    expect(governor.second(30, 0)).toBe(7);
  });
});
