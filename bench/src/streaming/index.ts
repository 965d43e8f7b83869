// bench/streaming: one 1280×720 x11 session served by the real streamer process — frames per second and
// capture-to-client latency on a busy screen, keystroke-to-frame latency on an idle one, and the CPU and
// memory of the session's processes — against ffmpeg's own output read straight from its pipe in the same run;
// then H.264 against MJPEG and x264 on the same workloads, late viewers, a still screen and sound (codecs.ts);
// then session start time and memory with the session sandbox against without (sandbox-cost.ts).
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { anomalyLog } from '../anomalies';
import { formatNumber, percentile, progress } from '../report';
import { type Suite, type SuiteContext } from '../suite';
import {
  BUSY_ARGS,
  FRAME_RATE,
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
import { measureCodecs } from './codecs';
import { measureGlassToGlass } from './glass-to-glass';
import { StreamerPeers } from './peers';
import { type TreeUsage, treeUsage } from './process-tree';
import { RawCapture } from './raw-capture';
import { measureSandboxCost } from './sandbox-cost';

/** Below this, the baseline pipe did not see a busy screen, and the frame figures measure nothing. */
const BASELINE_MIN_FPS = 20;
const KEYSTROKES = 20;
const MB = 1024 * 1024;

async function run(context: SuiteContext): Promise<void> {
  const { options, cleanup, record, detail } = context;
  const seconds = options.seconds;
  const workDir = await mkdtemp(join(tmpdir(), 'webstream-bench-streaming-'));
  // Sessions' homes live below it: their uids must be able to pass through.
  await chmod(workDir, 0o755);
  cleanup.add('remove the temporary folder', () => rm(workDir, { recursive: true, force: true }));
  const peers = await new StreamerPeers().start();
  cleanup.add('stop the stand-in gateway', () => peers.stop());
  const anomalies = anomalyLog(context, 'streaming');
  detail('configuration', { width: WIDTH, height: HEIGHT, frameRate: FRAME_RATE, quality: QUALITY, seconds });

  // 1. The baseline: ffmpeg's frames read straight from its pipe, busy screen.
  const raw = await RawCapture.start({
    width: WIDTH,
    height: HEIGHT,
    frameRate: FRAME_RATE,
    codec: { kind: 'jpeg', quality: QUALITY },
    appExe: XTERM,
    appArgs: BUSY_ARGS,
  });
  cleanup.add('stop the baseline capture', () => raw.stop());
  await sleep(1_500);
  const rawUsage = async () => {
    let cpu = 0;
    let rss = 0;
    for (const pid of raw.pids) {
      const usage = await treeUsage(pid).catch(() => undefined);
      cpu += usage?.cpuSeconds ?? 0;
      rss += usage?.rssBytes ?? 0;
    }
    return { cpu, rss };
  };
  const rawBefore = { frames: raw.changedFrames, usage: await rawUsage(), at: performance.now() };
  await sleep(seconds * 1000);
  const rawElapsed = (performance.now() - rawBefore.at) / 1000;
  const rawAfter = await rawUsage();
  const rawFps = (raw.changedFrames - rawBefore.frames) / rawElapsed;
  const rawCpu = ((rawAfter.cpu - rawBefore.usage.cpu) / rawElapsed) * 100;
  progress(
    `baseline: ffmpeg's pipe gives ${formatNumber(rawFps)} changed frames/s at ${formatNumber(rawCpu)}% CPU`,
  );
  if (rawFps < BASELINE_MIN_FPS) {
    anomalies.add(
      `the busy baseline changed only ${formatNumber(rawFps)} frames/s (under ${BASELINE_MIN_FPS}): the busy figures below measure a screen that hardly changes`,
    );
  }
  await raw.stop();

  // 2. The streamer, busy screen: fps and capture-to-client latency at a client on loopback.
  const streamer = (name: string, appArgs: readonly string[]) =>
    startBenchStreamer({ name, appArgs, workDir, peers, cleanup });

  const busy = await streamer('streamer (busy)', BUSY_ARGS);
  const capture = await busy.open('/capture');
  await sleep(1_500);
  const busyBefore = await treeUsage(busy.process.pid);
  const startedAt = performance.now();
  const received = tally(capture);
  await sleep(seconds * 1000);
  received.stop();
  const elapsed = (performance.now() - startedAt) / 1000;
  const busyAfter = await treeUsage(busy.process.pid);
  capture.close();
  await busy.process.stop();
  const fps = received.frames / elapsed;
  const latencies = received.latencies;
  const busyCpu = ((busyAfter.cpuSeconds - busyBefore.cpuSeconds) / elapsed) * 100;
  detail('busy', { received, elapsed, processes: busyAfter.commands });
  const perCommand = (before: TreeUsage, after: TreeUsage, seconds_: number) =>
    Object.fromEntries(
      Object.entries(after.byCommand).map(([command, usage]) => [
        command,
        {
          cpuPercent: ((usage.cpuSeconds - (before.byCommand[command]?.cpuSeconds ?? 0)) / seconds_) * 100,
          rssMB: usage.rssBytes / MB,
        },
      ]),
    );
  const busyByCommand = perCommand(busyBefore, busyAfter, elapsed);
  detail('busyByCommand', busyByCommand);
  progress(
    `busy session by process: ${Object.entries(busyByCommand)
      .map(
        ([command, usage]) => `${command} ${formatNumber(usage.cpuPercent)}% ${formatNumber(usage.rssMB)} MB`,
      )
      .join(', ')}`,
  );
  record({
    name: `frames/s at a client, busy ${WIDTH}×${HEIGHT} xterm (streamer → WebSocket) vs ffmpeg's own pipe`,
    value: fps,
    unit: 'frames/s',
    baseline: { name: "ffmpeg's pipe, changed frames", value: rawFps },
  });
  record({
    name: 'capture-to-client latency p50 (first bytes out of ffmpeg → client, loopback)',
    value: percentile(latencies, 50),
    unit: 'ms',
  });
  record({ name: 'capture-to-client latency p95', value: percentile(latencies, 95), unit: 'ms' });
  record({
    name: 'bandwidth to one client, busy screen',
    value: received.bytes / elapsed / MB,
    unit: 'MB/s',
  });
  record({
    name: 'CPU of a busy session (streamer, Xvfb, xterm, ffmpeg, xdotool) vs the baseline (Xvfb, xterm, ffmpeg)',
    value: busyCpu,
    unit: '% of a core',
    baseline: { name: 'baseline', value: rawCpu },
  });
  record({
    name: 'memory of a busy session (RSS of its processes) vs the baseline',
    value: busyAfter.rssBytes / MB,
    unit: 'MB',
    baseline: { name: 'baseline', value: rawAfter.rss / MB },
  });

  // 3. The streamer, idle screen: what a session costs while nobody types, and keystroke-to-frame latency.
  const idle = await streamer('streamer (idle)', IDLE_ARGS);
  const idleCapture = await idle.open('/capture');
  const control = await idle.open('/control');
  const arrivals: number[] = [];
  idleCapture.on('message', (_data: Buffer, isBinary) => {
    if (isBinary) arrivals.push(performance.now());
  });
  // Focus follows the pointer: put it over the xterm first.
  control.send(POINTER_OVER_XTERM);
  await sleep(1_500);
  const idleBefore = await treeUsage(idle.process.pid);
  const idleStarted = performance.now();
  await sleep(seconds * 1000);
  const idleElapsed = (performance.now() - idleStarted) / 1000;
  const idleAfter = await treeUsage(idle.process.pid);
  const idleCpu = ((idleAfter.cpuSeconds - idleBefore.cpuSeconds) / idleElapsed) * 100;
  const keyLatencies: number[] = [];
  for (let i = 0; i < KEYSTROKES; i += 1) {
    const seen = arrivals.length;
    const sentAt = performance.now();
    for (const action of ['down', 'up'] as const) control.send(keyA(action));
    const deadline = sentAt + 2_000;
    while (arrivals.length === seen && performance.now() < deadline) await sleep(2);
    if (arrivals.length > seen) keyLatencies.push(arrivals[seen]! - sentAt);
    await sleep(150);
  }
  // Nobody watching: the streamer stops grabbing until a client is back.
  idleCapture.close();
  await sleep(1_000);
  const unwatchedBefore = await treeUsage(idle.process.pid);
  const unwatchedStarted = performance.now();
  await sleep(seconds * 1000);
  const unwatchedElapsed = (performance.now() - unwatchedStarted) / 1000;
  const unwatchedAfter = await treeUsage(idle.process.pid);
  const unwatchedCpu = ((unwatchedAfter.cpuSeconds - unwatchedBefore.cpuSeconds) / unwatchedElapsed) * 100;
  control.close();
  await idle.process.stop();
  keyLatencies.sort((a, b) => a - b);
  const idleByCommand = perCommand(idleBefore, idleAfter, idleElapsed);
  detail('idle', { keyLatencies, processes: idleAfter.commands, byCommand: idleByCommand });
  progress(
    `idle session by process: ${Object.entries(idleByCommand)
      .map(
        ([command, usage]) => `${command} ${formatNumber(usage.cpuPercent)}% ${formatNumber(usage.rssMB)} MB`,
      )
      .join(', ')}`,
  );
  record({
    name: "the streamer's own process (node: WebSockets, policy, JPEG framing) in a busy session",
    value: busyByCommand['node']?.cpuPercent ?? Number.NaN,
    unit: '% of a core',
  });
  record({
    name: "the streamer's own process memory (node RSS)",
    value: idleByCommand['node']?.rssMB ?? Number.NaN,
    unit: 'MB',
  });
  record({
    name: 'CPU of an idle session watched by a client (nothing changes on screen)',
    value: idleCpu,
    unit: '% of a core',
  });
  record({
    name: 'CPU of an idle session nobody watches (capture stopped until a client is back)',
    value: unwatchedCpu,
    unit: '% of a core',
  });
  record({
    name: 'memory of an idle session (RSS of its processes)',
    value: idleAfter.rssBytes / MB,
    unit: 'MB',
  });
  record({
    name: `keystroke-to-frame latency p50 (key on /control → xterm echoes → frame at the client), ${keyLatencies.length}/${KEYSTROKES} echoed`,
    value: percentile(keyLatencies, 50),
    unit: 'ms',
  });
  record({ name: 'keystroke-to-frame latency p95', value: percentile(keyLatencies, 95), unit: 'ms' });

  // 4. H.264 against MJPEG and x264, late viewers, a still screen, sound; keystroke to pixels in Chromium.
  await measureCodecs(context, workDir, peers);
  await measureGlassToGlass(context, workDir, peers);

  // 5. What the session sandbox costs: start time and memory per session, through real session hosts.
  await measureSandboxCost(context, workDir, peers);
  anomalies.conclude('the busy baseline changed every frame it could');
}

export const streamingSuite: Suite = {
  name: 'streaming',
  description: `one ${WIDTH}×${HEIGHT} x11 session through the real streamer: fps, latency, CPU and memory per session, vs ffmpeg's own pipe; the sandbox's start and memory cost`,
  run,
};
