import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KeyMessage } from '@webstream/contracts';
import { decode } from 'jpeg-js';
import { type CaptureSource, type EncodedFrame, type MediaLogger, type MediaOptions } from '../../src/media';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

/** A logger that keeps what it is told, so tests can assert on warnings. */
export function recordingLogger(): MediaLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const record =
    (level: LogEntry['level']) =>
    (obj: object, msg: string): void => {
      entries.push({ level, obj, msg });
    };
  return {
    entries,
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    debug: record('debug'),
  };
}

export function testOptions(overrides: Partial<MediaOptions> = {}): MediaOptions {
  return {
    width: 800,
    height: 600,
    frameRate: 10,
    jpegQuality: 5,
    maxBitrateKbps: 2000,
    glx: false,
    appExe: '/usr/bin/xterm',
    appArgs: ['-geometry', '80x24+0+0'],
    audio: false,
    workDir: join(tmpdir(), `ws-media-test-${randomUUID()}`),
    sandbox: null,
    logger: recordingLogger(),
    ...overrides,
  };
}

/** Collects every frame a capture emits from now on. */
export function collectFrames(capture: CaptureSource): EncodedFrame[] {
  const frames: EncodedFrame[] = [];
  capture.onFrame((frame) => frames.push(frame));
  return frames;
}

export function decodeFrame(frame: EncodedFrame): { width: number; height: number; data: Uint8Array } {
  return decode(frame.data, { useTArray: true, formatAsRGBA: true });
}

/** Whether a process exists (signal 0 only checks). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const NO_MODIFIERS = { shift: false, ctrl: false, alt: false, meta: false };

/** KeyboardEvent.code for the characters the tests type (a US layout). */
function codeFor(char: string): string {
  if (/^[a-z]$/.test(char)) return `Key${char.toUpperCase()}`;
  if (/^[0-9]$/.test(char)) return `Digit${char}`;
  const named: Record<string, string> = {
    ' ': 'Space',
    '/': 'Slash',
    '.': 'Period',
    '-': 'Minus',
    '\n': 'Enter',
  };
  const code = named[char];
  if (code === undefined) throw new Error(`no code for ${JSON.stringify(char)}`);
  return code;
}

/** The down/up messages a browser sends for typing `text` (lowercase, digits, space, / . - and \n). */
export function typing(text: string): KeyMessage[] {
  return Array.from(text).flatMap((char) => {
    const code = codeFor(char);
    const key = char === '\n' ? 'Enter' : char;
    return (['down', 'up'] as const).map((action): KeyMessage => ({
      type: 'key',
      action,
      code,
      key,
      modifiers: NO_MODIFIERS,
    }));
  });
}

/** Mean RGB of a rectangle of a decoded RGBA picture. */
export function meanColor(
  image: { width: number; data: Uint8Array },
  x: number,
  y: number,
  w: number,
  h: number,
): [number, number, number] {
  const sum = [0, 0, 0];
  for (let py = y; py < y + h; py++) {
    for (let px = x; px < x + w; px++) {
      const i = (py * image.width + px) * 4;
      for (let c = 0; c < 3; c++) sum[c] = (sum[c] ?? 0) + (image.data[i + c] ?? 0);
    }
  }
  const n = w * h;
  return [(sum[0] ?? 0) / n, (sum[1] ?? 0) / n, (sum[2] ?? 0) / n];
}

/** How many pixels of a rectangle are brighter than `threshold` (every channel). */
export function brightPixels(
  image: { width: number; data: Uint8Array },
  x: number,
  y: number,
  w: number,
  h: number,
  threshold = 150,
): number {
  let count = 0;
  for (let py = y; py < y + h; py++) {
    for (let px = x; px < x + w; px++) {
      const i = (py * image.width + px) * 4;
      if (
        (image.data[i] ?? 0) > threshold &&
        (image.data[i + 1] ?? 0) > threshold &&
        (image.data[i + 2] ?? 0) > threshold
      ) {
        count++;
      }
    }
  }
  return count;
}

/** Whether a promise settles within `ms`. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
