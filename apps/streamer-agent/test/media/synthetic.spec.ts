import { existsSync, mkdirSync } from 'node:fs';
import { until } from '@webstream/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startMedia, type MediaSession } from '../../src/media';
import { CHUNK_BYTES } from '../../src/media/pcm-format';
import {
  BACKGROUND_A,
  BACKGROUND_B,
  MARGIN,
  POINTER_IDLE,
  POINTER_PRESSED,
  TEXT_SCALE,
} from '../../src/media/synthetic/scene';
import { collectFrames, decodeFrame, meanColor, settlesWithin, testOptions, typing } from './helpers';

/** JPEG is lossy: colours are compared with a tolerance. */
function near(actual: readonly number[], expected: readonly number[], tolerance = 30): boolean {
  return actual.every((v, i) => Math.abs(v - (expected[i] ?? 0)) <= tolerance);
}

describe('synthetic media', () => {
  let session: MediaSession | undefined;

  afterEach(async () => {
    await session?.stop();
    session = undefined;
  });

  it('draws the pointer where it is, red while a button is held', async () => {
    const options = testOptions({ width: 320, height: 240, frameRate: 30 });
    session = await startMedia('synthetic', options);
    expect(session.kind).toBe('synthetic');
    const frames = collectFrames(session.capture);
    const first = await until('a first frame', () => session?.capture.latest());
    expect(first.width).toBe(320);
    expect(decodeFrame(first).width).toBe(320);

    session.input.pointer({ type: 'pointer', action: 'move', x: 100, y: 180, button: 0, buttons: 0 });
    const moved = decodeFrame(await until('a frame with the pointer moved', () => frames.at(-1)));
    expect(near(meanColor(moved, 97, 177, 7, 7), POINTER_IDLE)).toBe(true);
    // The centre, where the pointer started, shows the background again.
    const centre = meanColor(moved, 158, 118, 4, 4);
    expect(near(centre, BACKGROUND_A, 20) || near(centre, BACKGROUND_B, 20)).toBe(true);

    frames.length = 0;
    session.input.pointer({ type: 'pointer', action: 'down', x: 100, y: 180, button: 0, buttons: 1 });
    const pressed = decodeFrame(await until('a frame with the button down', () => frames.at(-1)));
    expect(near(meanColor(pressed, 97, 177, 7, 7), POINTER_PRESSED)).toBe(true);
  });

  it('shows typed text, with Backspace and Enter', async () => {
    session = await startMedia('synthetic', testOptions({ width: 320, height: 240, frameRate: 30 }));
    const frames = collectFrames(session.capture);
    await until('a first frame', () => session?.capture.latest());
    const cell = { x: MARGIN, y: MARGIN, w: 6 * TEXT_SCALE * 3, h: 8 * TEXT_SCALE };
    const before = decodeFrame(session.capture.latest()!);
    const blank = meanColor(before, cell.x, cell.y, cell.w, cell.h);

    for (const message of typing('hix')) session.input.key(message);
    session.input.key({
      type: 'key',
      action: 'down',
      code: 'Backspace',
      key: 'Backspace',
      modifiers: mods(),
    });
    session.input.key({
      type: 'key',
      action: 'down',
      code: 'KeyC',
      key: 'c',
      modifiers: mods({ ctrl: true }),
    });
    for (const message of typing('\nok')) session.input.key(message);
    await until('a frame after typing', () => frames.length > 0);
    const synthetic = session as MediaSession & { scene: { text: string } };
    expect(synthetic.scene.text).toBe('hi\nok');
    const after = decodeFrame(await until('the last frame', () => frames.at(-1)));
    const typed = meanColor(after, cell.x, cell.y, cell.w, cell.h);
    // Light glyph strokes raise the mean brightness of the text cells over the dark background.
    expect(typed[0]).toBeGreaterThan(blank[0] + 15);
    const secondLine = meanColor(after, cell.x, cell.y + cell.h, cell.w, cell.h);
    expect(secondLine[0]).toBeGreaterThan(blank[0] + 15);
  });

  it('draws the watermark bottom-right and skips unchanged frames', async () => {
    const plain = await startMedia('synthetic', testOptions({ width: 320, height: 240, frameRate: 30 }));
    const plainFrame = decodeFrame(await until('a plain frame', () => plain.capture.latest()));
    const plainFrames = collectFrames(plain.capture);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Nothing changed and no clock is drawn: no new frame was encoded.
    expect(plainFrames).toHaveLength(0);
    await plain.stop();

    session = await startMedia('synthetic', testOptions({ width: 320, height: 240, watermark: 'ALICE' }));
    const marked = decodeFrame(await until('a watermarked frame', () => session?.capture.latest()));
    const area = { x: 320 - MARGIN - 120, y: 240 - MARGIN - 16, w: 120, h: 16 };
    const withMark = meanColor(marked, area.x, area.y, area.w, area.h);
    const without = meanColor(plainFrame, area.x, area.y, area.w, area.h);
    expect(Math.abs(withMark[0] - without[0]) + Math.abs(withMark[2] - without[2])).toBeGreaterThan(20);
  });

  it('produces a 440 Hz tone in 20 ms chunks of the announced format', async () => {
    session = await startMedia('synthetic', testOptions({ audio: true }));
    const chunks: Buffer[] = [];
    const listening = session.audio!.listen('opus', (chunk) => chunks.push(chunk));
    // The tone is PCM only, whatever was asked.
    expect(listening.format).toEqual({ codec: 'pcm-s16le', sampleRate: 48_000, channels: 2 });
    const started = Date.now();
    await until('ten chunks', () => chunks.length >= 10);
    // Paced by the clock, not sent in a burst.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    for (const chunk of chunks) expect(chunk.length).toBe(CHUNK_BYTES);
    const samples = new Int16Array(chunks[1]!.buffer, chunks[1]!.byteOffset, chunks[1]!.length / 2);
    expect(samples.some((s) => s !== 0)).toBe(true);
    expect(Math.max(...samples)).toBeGreaterThan(5000);
    // Stereo: left and right are the same tone.
    expect(samples[10]).toBe(samples[11]);
    // Nobody listens: no more chunks are made.
    listening.stop();
    const made = chunks.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(chunks).toHaveLength(made);
  });

  it('resizes, keeps the clipboard and removes its work folder', async () => {
    const options = testOptions({ width: 320, height: 240 });
    mkdirSync(options.workDir, { recursive: true });
    session = await startMedia('synthetic', options);
    const frames = collectFrames(session.capture);
    expect(await session.input.resize(400, 300)).toBe(true);
    expect(await session.input.resize(0, 300)).toBe(false);
    const resized = await until('a resized frame', () => frames.find((f) => f.width === 400));
    expect(decodeFrame(resized).height).toBe(300);
    await session.input.setClipboard('copied');
    const synthetic = session as MediaSession & { input: { clipboard: string } };
    expect(synthetic.input.clipboard).toBe('copied');
    await session.stop();
    expect(existsSync(options.workDir)).toBe(false);
    // Nothing in a synthetic session ends by itself, and stop() is not an end to report.
    expect(await settlesWithin(session.ended, 100)).toBe(false);
  });
});

function mods(set: Partial<Record<'shift' | 'ctrl' | 'alt' | 'meta', boolean>> = {}) {
  return { shift: false, ctrl: false, alt: false, meta: false, ...set };
}
