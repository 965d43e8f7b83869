// H.264 against MJPEG, both from the real streamer, and against x264 writing to a pipe (the floor: the same
// encoder settings with no streamer, no WebSocket and no pausing) on the same workloads in the same run:
// bandwidth, delivered frames, latency; a late viewer's wait for its first picture; a watched still screen's
// CPU; and Opus against PCM with sound on, nothing with it off.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeFrameMessage, defaultVideoPolicy, type VideoCodec } from '@webstream/contracts';
import { RELEASE_AFTER_MS, SETTLE_MS } from '@webstream/streamer-agent/dist/media/x11/still-screen-pause';
import { formatNumber, percentile, progress } from '../report';
import { type SuiteContext } from '../suite';
import {
  BUSY_ARGS,
  FRAME_RATE,
  HEAVY_ARGS,
  HEIGHT,
  IDLE_ARGS,
  keyA,
  POINTER_OVER_XTERM,
  QUALITY,
  startBenchStreamer,
  tally,
  WIDTH,
  XTERM,
} from './bench-streamer';
import { type StreamerPeers } from './peers';
import { treeUsage } from './process-tree';
import { grabScreen, lastPicture, ssim } from './picture-quality';
import { RawCapture } from './raw-capture';
import { VncPeer, vncPeerAvailable } from './vnc-peer';

const MBIT = 1_000_000;
/** The issue's targets: H.264 on every busy workload, a watched still screen, a late viewer. */
const BUSY_TARGET_MBITS = 2.5;
const STILL_TARGET_CPU = 3;
const LATE_VIEWER_TARGET_MS = 1_000;
const LATE_VIEWERS = 5;
const TYPING_INTERVAL_MS = 100;

interface PipeFigures {
  mbits: number;
  fps: number;
  /** The last picture, SETTLE_MS after the application stopped drawing, against the screen. */
  ssim: number;
}

/** ffmpeg as the streamer runs it, straight to a pipe, on a display of its own; then the screen stops changing. */
async function pipeFigures(
  appArgs: readonly string[],
  codec: { kind: 'jpeg'; quality: number } | { kind: 'h264'; bitrateKbps: number },
  seconds: number,
  workDir: string,
): Promise<PipeFigures> {
  const raw = await RawCapture.start({
    width: WIDTH,
    height: HEIGHT,
    frameRate: FRAME_RATE,
    codec,
    appExe: XTERM,
    appArgs,
  });
  try {
    await sleep(1_500);
    const start = { bytes: raw.bytes, frames: raw.frames, at: performance.now() };
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - start.at) / 1000;
    const figures = {
      mbits: ((raw.bytes - start.bytes) * 8) / elapsed / MBIT,
      fps: (raw.frames - start.frames) / elapsed,
    };
    // The listing stops (the shell in the xterm and what it runs): the screen settles.
    for (const pid of raw.workloadPids()) process.kill(pid, 'SIGSTOP');
    await sleep(SETTLE_MS);
    const screen = join(workDir, `screen-${codec.kind}.png`);
    await grabScreen(raw.display, WIDTH, HEIGHT, screen);
    const encoded = codec.kind === 'h264' ? Buffer.concat(raw.h264) : raw.lastJpeg!;
    const picture = await lastPicture(encoded, codec.kind, workDir, `settled-${codec.kind}`);
    return { ...figures, ssim: await ssim(picture, screen) };
  } finally {
    for (const pid of raw.workloadPids()) process.kill(pid, 'SIGCONT');
    await raw.stop();
  }
}

/** The same workload on a display of its own, served by x11vnc to an RFB client that pulls updates. */
async function vncFigures(
  appArgs: readonly string[],
  seconds: number,
): Promise<{ mbits: number; fps: number }> {
  const raw = await RawCapture.start({
    width: WIDTH,
    height: HEIGHT,
    frameRate: FRAME_RATE,
    codec: { kind: 'none' },
    appExe: XTERM,
    appArgs,
  });
  const port = 15_900 + Math.floor(Math.random() * 1_000);
  const peer = await VncPeer.start(raw.display, port).catch(async (error: unknown) => {
    await raw.stop();
    throw error;
  });
  try {
    await sleep(1_500);
    const start = { bytes: peer.bytes, updates: peer.updates, at: performance.now() };
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - start.at) / 1000;
    return {
      mbits: ((peer.bytes - start.bytes) * 8) / elapsed / MBIT,
      fps: (peer.updates - start.updates) / elapsed,
    };
  } finally {
    await peer.stop();
    await raw.stop();
  }
}

export async function measureCodecs(
  context: SuiteContext,
  workDir: string,
  peers: StreamerPeers,
): Promise<void> {
  const { options, cleanup, record, detail } = context;
  const seconds = options.seconds;
  const capKbps = defaultVideoPolicy.maxBitrateKbps;

  // 1. Busy workloads: the x264 pipe, then the streamer's MJPEG, then its H.264, one after the other.
  for (const [workload, appArgs] of [
    ['busy (a counted listing scrolling)', BUSY_ARGS],
    ['heavy (a long timestamped listing looping)', HEAVY_ARGS],
  ] as const) {
    const pipe = await pipeFigures(appArgs, { kind: 'h264', bitrateKbps: capKbps }, seconds, workDir);
    const pipeMbits = pipe.mbits;
    const pipeFps = pipe.fps;
    const jpegPipe = await pipeFigures(appArgs, { kind: 'jpeg', quality: QUALITY }, 2, workDir);
    const vnc = vncPeerAvailable() ? await vncFigures(appArgs, seconds) : undefined;

    const streamer = await startBenchStreamer({
      name: `streamer (${workload})`,
      appArgs,
      workDir,
      peers,
      cleanup,
    });
    const byCodec: Partial<Record<VideoCodec, { mbits: number; fps: number; latencies: number[] }>> = {};
    for (const codec of ['jpeg', 'h264'] as const) {
      const socket = await streamer.open(`/capture?codecs=${codec}`);
      await sleep(1_500);
      const counted = tally(socket);
      const startedAt = performance.now();
      await sleep(seconds * 1000);
      const elapsed = (performance.now() - startedAt) / 1000;
      socket.close();
      byCodec[codec] = {
        mbits: (counted.bytes * 8) / elapsed / MBIT,
        fps: counted.frames / elapsed,
        latencies: counted.latencies,
      };
      await sleep(500);
    }
    await streamer.process.stop();
    const { jpeg, h264 } = byCodec as Required<typeof byCodec>;
    detail(`codecs ${workload}`, {
      pipe,
      jpegPipe,
      vnc,
      jpeg: { ...jpeg, latencies: undefined },
      h264: { ...h264, latencies: undefined },
    });
    progress(
      `${workload}: ${vnc ? `VNC ${formatNumber(vnc.mbits)} Mbit/s at ${formatNumber(vnc.fps)} updates/s; ` : ''}x264 pipe ${formatNumber(pipeMbits)} Mbit/s at ${formatNumber(pipeFps)} fps; streamer MJPEG ${formatNumber(jpeg.mbits)} Mbit/s at ${formatNumber(jpeg.fps)} fps; H.264 ${formatNumber(h264.mbits)} Mbit/s at ${formatNumber(h264.fps)} fps`,
    );
    record({
      name: `H.264 to a client, ${workload}, vs x264 writing to a pipe`,
      value: h264.mbits,
      unit: 'Mbit/s',
      baseline: { name: 'x264 pipe', value: pipeMbits },
      targets: [{ of: 'value', op: '<=', threshold: BUSY_TARGET_MBITS }],
    });
    if (vnc === undefined) {
      progress('no x11vnc here (apt-get install x11vnc): the VNC peer is left out');
    } else {
      record({
        name: `H.264 to a client, ${workload}, vs a VNC peer (x11vnc, ZRLE, pulled as noVNC does)`,
        value: h264.mbits,
        unit: 'Mbit/s',
        baseline: { name: 'VNC', value: vnc.mbits },
      });
      record({
        name: `H.264 frames delivered, ${workload}, vs the VNC peer's updates`,
        value: h264.fps,
        unit: 'frames/s',
        baseline: { name: 'VNC updates', value: vnc.fps },
      });
    }
    record({
      name: `settled picture's SSIM to the screen, ${workload}: H.264 ${SETTLE_MS} ms after the screen stopped, vs MJPEG`,
      value: pipe.ssim,
      unit: 'SSIM',
      baseline: { name: 'MJPEG', value: jpegPipe.ssim },
    });
    record({
      name: `MJPEG to a client, ${workload}, vs H.264 from the same streamer`,
      value: jpeg.mbits,
      unit: 'Mbit/s',
      baseline: { name: 'H.264', value: h264.mbits },
    });
    record({
      name: `H.264 frames delivered, ${workload}, vs the x264 pipe`,
      value: h264.fps,
      unit: 'frames/s',
      baseline: { name: 'x264 pipe', value: pipeFps },
    });
    record({
      name: `MJPEG frames delivered, ${workload}`,
      value: jpeg.fps,
      unit: 'frames/s',
    });
    record({
      name: `H.264 capture-to-client latency p50 / p95, ${workload}`,
      value: percentile(h264.latencies, 50),
      unit: 'ms',
      baseline: { name: 'p95', value: percentile(h264.latencies, 95) },
    });
  }

  // 2. Typing, then a still screen someone watches, then late viewers: one idle xterm.
  const idle = await startBenchStreamer({
    name: 'streamer (typing)',
    appArgs: IDLE_ARGS,
    workDir,
    peers,
    cleanup,
  });
  const control = await idle.open('/control');
  control.send(POINTER_OVER_XTERM);
  const typed: Partial<Record<VideoCodec, number>> = {};
  for (const codec of ['jpeg', 'h264'] as const) {
    const socket = await idle.open(`/capture?codecs=${codec}`);
    await sleep(1_500);
    const counted = tally(socket);
    const startedAt = performance.now();
    while (performance.now() - startedAt < seconds * 1000) {
      control.send(keyA('down'));
      control.send(keyA('up'));
      await sleep(TYPING_INTERVAL_MS);
    }
    const elapsed = (performance.now() - startedAt) / 1000;
    typed[codec] = (counted.bytes * 8) / elapsed / MBIT;
    socket.close();
    await sleep(500);
  }
  record({
    name: `typing (a key every ${TYPING_INTERVAL_MS} ms): H.264 to a client vs MJPEG`,
    value: typed.h264! * 1000,
    unit: 'kbit/s',
    baseline: { name: 'MJPEG', value: typed.jpeg! * 1000 },
  });

  const watcher = await idle.open('/capture?codecs=h264');
  const watched = tally(watcher);
  await sleep(2_000);
  const stillFrames = watched.frames;
  const before = await treeUsage(idle.process.pid);
  const startedAt = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - startedAt) / 1000;
  const after = await treeUsage(idle.process.pid);
  record({
    name: 'CPU of a still screen someone watches (H.264, after its settling frames), whole session',
    value: ((after.cpuSeconds - before.cpuSeconds) / elapsed) * 100,
    unit: '% of a core',
    targets: [{ of: 'value', op: '<=', threshold: STILL_TARGET_CPU }],
  });
  record({
    name: 'frames sent for a still screen (after its settling frames)',
    value: watched.frames - stillFrames,
    unit: 'frames',
    targets: [{ of: 'value', op: '<=', threshold: 0 }],
  });

  // Still for longer: the encoder is stopped, and what the session holds is Xvfb, the application, the streamer.
  await sleep(RELEASE_AFTER_MS + 1_500 - (performance.now() - startedAt) - 2_000);
  const released = await treeUsage(idle.process.pid);
  progress(
    `a session still for ${RELEASE_AFTER_MS / 1000} s: ${Object.entries(released.byCommand)
      .map(([command, usage]) => `${command} ${formatNumber(usage.rssBytes / 1024 / 1024)} MB`)
      .join(', ')}`,
  );
  detail('stillSessionMemory', released.byCommand);
  record({
    name: `memory of a session watched on a still screen for ${RELEASE_AFTER_MS / 1000} s (RSS of all its processes)`,
    value: released.rssBytes / 1024 / 1024,
    unit: 'MB',
    targets: [{ of: 'value', op: '<=', threshold: 150 }],
  });

  // A late viewer while the first one watches: its first picture (a keyframe from a new encoder).
  const waits: number[] = [];
  for (let i = 0; i < LATE_VIEWERS; i += 1) {
    control.send(keyA('down'));
    control.send(keyA('up'));
    const openedAt = performance.now();
    const late = await idle.open('/capture?codecs=h264');
    const firstKeyframe = await new Promise<number>((resolve) => {
      late.on('message', (data: Buffer, isBinary) => {
        if (isBinary && decodeFrameMessage(data).header.keyframe) resolve(performance.now());
      });
    });
    waits.push(firstKeyframe - openedAt);
    late.close();
    await sleep(700);
  }
  waits.sort((a, b) => a - b);
  record({
    name: `a late viewer's first picture (socket open → keyframe), worst of ${LATE_VIEWERS}`,
    value: waits.at(-1)!,
    unit: 'ms',
    baseline: { name: 'median', value: percentile(waits, 50) },
    targets: [{ of: 'value', op: '<=', threshold: LATE_VIEWER_TARGET_MS }],
  });
  watcher.close();
  control.close();
  await idle.process.stop();

  // 3. Sound: noise played in the session; Opus and PCM with sound on, nothing recorded with it off.
  const noisy = await startBenchStreamer({
    name: 'streamer (sound)',
    appArgs: ['-e', 'sh', '-c', 'cat /dev/urandom | pacat --raw --format=s16le --rate=48000 --channels=2'],
    workDir,
    peers,
    cleanup,
    policy: { audio: true },
  });
  await sleep(1_500);
  const recorders = async () =>
    Object.entries((await treeUsage(noisy.process.pid)).byCommand).filter(([command]) =>
      ['parec', 'ffmpeg'].includes(command),
    ).length;
  const recordingWhileOff = await recorders();
  const audioRates: Record<string, number> = {};
  for (const codec of ['opus', 'pcm-s16le']) {
    const socket = await noisy.open(`/audio?codecs=${codec}`);
    let bytes = 0;
    await sleep(1_000);
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) bytes += data.length;
    });
    await sleep(seconds * 1000);
    audioRates[codec] = (bytes * 8) / seconds / 1000;
    socket.close();
    await sleep(500);
  }
  await noisy.process.stop();
  record({
    name: 'sound on: Opus to a client (noise, the worst case) vs PCM',
    value: audioRates['opus']!,
    unit: 'kbit/s',
    baseline: { name: 'PCM', value: audioRates['pcm-s16le']! },
  });
  record({
    name: 'sound off: recorders running (no /audio socket: nothing captured, nothing sent)',
    value: recordingWhileOff,
    unit: 'processes',
    targets: [{ of: 'value', op: '<=', threshold: 0 }],
  });
}
