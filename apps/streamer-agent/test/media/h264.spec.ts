import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { sleep, until } from '@webstream/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type EncodedFrame } from '../../src/media';
import { startMedia, type X11MediaSession } from '../../src/media';
import { parseAvcConfig, toAnnexB } from '../../src/media/x11/h264/avc';
import { FlvReader, type FlvVideoTag } from '../../src/media/x11/h264/flv-reader';
import { RELEASE_AFTER_MS, SETTLE_MS } from '../../src/media/x11/still-screen-pause';
import { recordingLogger, testOptions, typing } from './helpers';

/** How many frames ffmpeg's own decoder gets out of an Annex-B stream: the proof that it is valid H.264. */
function decodedFrameCount(annexB: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-f', 'h264', '-i', '-', '-f', 'null', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    ffmpeg.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    ffmpeg.on('error', reject);
    ffmpeg.on('close', () => {
      const counts = [...stderr.matchAll(/frame=\s*(\d+)/g)].map((match) => Number(match[1]));
      resolve(counts.at(-1) ?? 0);
    });
    ffmpeg.stdin.end(annexB);
  });
}

/** A process's state letter from /proc: 'T' is stopped (SIGSTOP). */
async function processState(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/** The CPU time a process has spent (utime + stime, in clock ticks) from /proc. */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5), counted from the state letter (field 3).
  return Number(fields[11]) + Number(fields[12]);
}

/** Resolves once no frame has arrived for SETTLE_MS: what was already encoded has been read. */
async function framesSettle(frames: EncodedFrame[]): Promise<void> {
  let seen = -1;
  await until(
    'the frames already encoded to be read',
    () => {
      const settled = frames.length === seen;
      seen = frames.length;
      return settled || undefined;
    },
    60_000,
    SETTLE_MS,
  );
}

const NAL_SPS = 7;
const NAL_IDR = 5;
/** The types of the NAL units in an Annex-B access unit. */
function nalTypes(annexB: Buffer): number[] {
  const types: number[] = [];
  for (let i = 0; i + 4 < annexB.length; i++) {
    if (annexB[i] === 0 && annexB[i + 1] === 0 && annexB[i + 2] === 0 && annexB[i + 3] === 1) {
      types.push(annexB[i + 4]! & 0x1f);
      i += 3;
    }
  }
  return types;
}

describe('the H.264 stream', () => {
  let session: X11MediaSession | undefined;

  afterEach(async () => {
    await session?.stop();
    session = undefined;
  });

  it('reads ffmpeg’s FLV into whole Annex-B access units, the first a keyframe with its SPS and PPS', async () => {
    const flv = await new Promise<Buffer>((resolve, reject) =>
      execFile(
        'ffmpeg',
        [
          ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10'],
          ...['-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-f', 'flv', '-'],
        ],
        { encoding: 'buffer', maxBuffer: 1 << 24 },
        (error, stdout) => (error ? reject(new Error(error.message)) : resolve(stdout)),
      ),
    );
    // Fed in awkward pieces, as a pipe delivers it.
    const reader = new FlvReader();
    const tags: FlvVideoTag[] = [];
    for (let offset = 0; offset < flv.length; offset += 777)
      tags.push(...reader.push(flv.subarray(offset, offset + 777)));
    expect(tags[0]?.kind).toBe('config');
    const config = parseAvcConfig((tags[0] as { record: Buffer }).record);
    const frames = tags.filter((tag) => tag.kind === 'frame');
    expect(frames).toHaveLength(20);
    expect(frames[0]!.keyframe).toBe(true);
    const units = frames.map((frame) => toAnnexB(frame.data, config, frame.keyframe));
    expect(nalTypes(units[0]!)).toEqual(expect.arrayContaining([NAL_SPS, NAL_IDR]));
    expect(nalTypes(units[1]!)).not.toContain(NAL_SPS);
    expect(await decodedFrameCount(Buffer.concat(units))).toBe(20);
    // A stream cut in the middle of a NAL unit is refused, not passed on.
    expect(() => toAnnexB(frames[1]!.data.subarray(0, 10), config, false)).toThrow(
      /longer than its access unit/,
    );
  });

  it('encodes the display once watched, pauses on a still screen, resumes on a keystroke, and gives keyframes on request', async () => {
    const s = (session = (await startMedia('x11', testOptions({ frameRate: 30 }))) as X11MediaSession);
    const frames: EncodedFrame[] = [];
    s.h264.onFrame((frame) => frames.push(frame));
    await sleep(300);
    expect(frames).toHaveLength(0); // nobody watches: no encoder runs
    expect(s.h264.pids).toHaveLength(0);

    s.h264.setWatched(true);
    const first = await until('a first H.264 frame', () => frames[0]);
    expect(first).toMatchObject({ codec: 'h264', keyframe: true, width: 800, height: 600 });
    expect(nalTypes(first.data)).toEqual(expect.arrayContaining([NAL_SPS, NAL_IDR]));

    // The xterm stops drawing: the encoder is paused, spends no CPU and sends nothing more. Frames it encoded
    // before the stop may still sit in the pipe on a busy machine: those are delivered, in order, first. A shell
    // slow to start may still draw its prompt after a first pause: the window is then taken again, so what is
    // asserted is a whole second, paused at both ends, with no frame and no CPU tick.
    const still = await until('a still second with the encoder paused', async () => {
      const [pid] = s.h264.pids;
      if (!s.h264.paused || pid === undefined || (await processState(pid)) !== 'T') return undefined;
      await framesSettle(frames);
      const whileStill = frames.length;
      const cpuWhileStill = await cpuTicks(pid);
      await sleep(1_000);
      const stayed = s.h264.paused && frames.length === whileStill && (await cpuTicks(pid)) === cpuWhileStill;
      return stayed ? { pid, whileStill } : undefined;
    });
    const { pid, whileStill } = still;

    // A keystroke draws: the same encoder resumes, and its deltas decode after what came before.
    for (const key of typing('webstream')) s.input.key(key);
    await until('frames after typing', () => frames.length > whileStill || undefined);
    expect(s.h264.pids).toEqual([pid]);
    expect(frames.slice(whileStill).every((frame) => !frame.keyframe)).toBe(true);

    // A viewer asks for a keyframe: a new encoder starts and takes over with one.
    s.h264.requestKeyframe();
    const keyframe = await until('a requested keyframe', () =>
      frames.slice(1).find((frame) => frame.keyframe),
    );
    await until('the old encoder to go', () => s.h264.pids.length === 1 && s.h264.pids[0] !== pid);
    const all = [...frames];
    const fromKeyframe = all.slice(all.indexOf(keyframe));
    // The whole stream, across the change of encoder, decodes frame for frame; so does the part a late viewer sees.
    expect(await decodedFrameCount(Buffer.concat(all.map((frame) => frame.data)))).toBe(all.length);
    expect(await decodedFrameCount(Buffer.concat(fromKeyframe.map((frame) => frame.data)))).toBe(
      fromKeyframe.length,
    );

    s.h264.setWatched(false);
    await until('no encoder', () => s.h264.pids.length === 0);
  });

  it('stops the encoder of a screen still for long, and starts a new one, keyframe first, at the first change', async () => {
    const s = (session = (await startMedia('x11', testOptions({ frameRate: 30 }))) as X11MediaSession);
    const frames: EncodedFrame[] = [];
    s.h264.onFrame((frame) => frames.push(frame));
    s.h264.setWatched(true);
    await until('a first H.264 frame', () => frames[0]);
    await until('the encoder to stop', () => s.h264.pids.length === 0, 3 * RELEASE_AFTER_MS);
    const before = frames.length;
    for (const key of typing('back')) s.input.key(key);
    const next = await until('a frame after the change', () => frames[before]);
    expect(next.keyframe).toBe(true);
    expect(s.h264.pids).toHaveLength(1);
  });

  it('pauses the JPEG capture on a still screen too, resuming at the first change', async () => {
    const logger = recordingLogger();
    const s = (session = (await startMedia(
      'x11',
      testOptions({ frameRate: 30, logger }),
    )) as X11MediaSession);
    expect(logger.entries.filter((entry) => entry.level === 'warn')).toEqual([]);
    const frames: EncodedFrame[] = [];
    s.capture.onFrame((frame) => frames.push(frame));
    s.capture.setWatched(true);
    await until('a first JPEG', () => frames[0]);
    await until('the JPEG capture to pause', async () => {
      const [pid] = s.capture.pids;
      return pid !== undefined && (await processState(pid)) === 'T';
    });
    const whileStill = frames.length;
    for (const key of typing('x')) s.input.key(key);
    await until('a JPEG after typing', () => frames.length > whileStill || undefined);
  });
});
