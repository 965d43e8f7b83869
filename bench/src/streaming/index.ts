// bench/streaming: one 1280×720 x11 session served by the real streamer process — frames per second and
// capture-to-client latency on a busy screen, keystroke-to-frame latency on an idle one, and the CPU and
// memory of the session's processes — against ffmpeg's own output read straight from its pipe in the same run.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  decodeFrameMessage,
  defaultPolicy,
  SESSION_ID_HEADER,
  STREAMER_SECRET_HEADER,
  type StreamerLaunch,
  USER_ID_HEADER,
} from '@webstream/contracts';
import WebSocket from 'ws';
import { formatNumber, progress } from '../report';
import { randomToken, ServiceProcess } from '../service';
import { type Suite, type SuiteContext } from '../suite';
import { StreamerPeers } from './peers';
import { type TreeUsage, treeUsage } from './process-tree';
import { RawCapture } from './raw-capture';

const WIDTH = 1280;
const HEIGHT = 720;
const FRAME_RATE = 30;
const QUALITY = 5;
const XTERM = '/usr/bin/xterm';
/** A screen that changes all the time: xterm scrolling as fast as it can draw. */
const BUSY_ARGS = ['-geometry', '200x56+0+0', '-e', 'sh', '-c', 'yes webstream-bench-0123456789'];
/** A screen that changes only when typed into. */
const IDLE_ARGS = ['-geometry', '200x56+0+0'];
const KEYSTROKES = 20;
const MB = 1024 * 1024;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Received {
  frames: number;
  bytes: number;
  latencies: number[];
  arrivals: number[];
}

function shellWords(args: readonly string[]): string {
  return args.map((arg) => (/^[\w./+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

async function run(context: SuiteContext): Promise<void> {
  const { options, cleanup, record, detail } = context;
  const seconds = options.seconds;
  const workDir = await mkdtemp(join(tmpdir(), 'webstream-bench-streaming-'));
  cleanup.add('remove the temporary folder', () => rm(workDir, { recursive: true, force: true }));
  const peers = await new StreamerPeers().start();
  cleanup.add('stop the stand-in gateway', () => peers.stop());
  const backendToken = randomToken();
  detail('configuration', { width: WIDTH, height: HEIGHT, frameRate: FRAME_RATE, quality: QUALITY, seconds });

  // 1. The baseline: ffmpeg's frames read straight from its pipe, busy screen.
  const raw = await RawCapture.start({
    width: WIDTH,
    height: HEIGHT,
    frameRate: FRAME_RATE,
    quality: QUALITY,
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
  await raw.stop();

  // 2. The streamer, busy screen: fps and capture-to-client latency at a client on loopback.
  const streamer = async (name: string, appArgs: readonly string[]) => {
    const launch: StreamerLaunch = {
      sessionId: `bench-${randomUUID().slice(0, 8)}`,
      streamerGuid: randomUUID(),
      port: 0,
      contract: {
        workspaceId: 'bench-workspace',
        workspaceName: 'Bench',
        workspaceType: 'app',
        appId: 'bench-xterm',
        appExe: XTERM,
        appArgs: shellWords(appArgs),
        userId: 'bench-user',
        username: 'bench',
        orgId: 'bench-org',
        policy: { ...defaultPolicy, idleTimeoutSeconds: 0, audio: false },
      },
      address: '127.0.0.1',
      streamerSecret: randomBytes(32).toString('base64url'),
      // The capture figures, without the sandbox's start-up (an unsandboxed streamer needs mode none).
      sandbox: null,
      configOverrides: {},
    };
    const process_ = await ServiceProcess.start({
      name,
      main: 'apps/streamer-agent/dist/main.js',
      portKey: 'WEBSTREAM__STREAMER__BASEPORT',
      env: {
        WEBSTREAM__SESSIONHOST__PUBLICIP: '127.0.0.1',
        WEBSTREAM__GATEWAY__BACKEND__GATEWAYURL: peers.url,
        WEBSTREAM__GATEWAY__BACKEND__TOKEN: backendToken,
        WEBSTREAM__METRICSENGINE__URL: peers.url,
        WEBSTREAM__METRICSENGINE__SERVICETOKEN: randomToken(),
        WEBSTREAM__TELEMETRY__SPOOLDIR: join(workDir, 'spool'),
        WEBSTREAM__STREAMER__CAPTURESOURCE: 'x11',
        WEBSTREAM__SESSIONHOST__SANDBOX__MODE: 'none',
        WEBSTREAM__STREAMER__WIDTH: String(WIDTH),
        WEBSTREAM__STREAMER__HEIGHT: String(HEIGHT),
        WEBSTREAM__STREAMER__FRAMERATE: String(FRAME_RATE),
        WEBSTREAM__STREAMER__JPEGQUALITY: String(QUALITY),
      },
      launchForPort: (port) => JSON.stringify({ ...launch, port }),
      cwd: workDir,
    });
    cleanup.add(`stop the ${name}`, () => process_.stop());
    const headers = {
      [STREAMER_SECRET_HEADER]: launch.streamerSecret,
      [SESSION_ID_HEADER]: launch.sessionId,
      [USER_ID_HEADER]: launch.contract.userId,
    };
    const open = async (path: string): Promise<WebSocket> => {
      const socket = new WebSocket(`${process_.url.replace('http', 'ws')}${path}`, { headers });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      return socket;
    };
    return { process: process_, open };
  };

  const busy = await streamer('streamer (busy)', BUSY_ARGS);
  const capture = await busy.open('/capture');
  const received: Received = { frames: 0, bytes: 0, latencies: [], arrivals: [] };
  let measuring = false;
  capture.on('message', (data: Buffer, isBinary) => {
    if (!isBinary || !measuring) return;
    const now = Date.now();
    const frame = decodeFrameMessage(data);
    received.frames += 1;
    received.bytes += data.length;
    received.latencies.push(now - frame.header.timestamp);
  });
  await sleep(1_500);
  const busyBefore = await treeUsage(busy.process.pid);
  const startedAt = performance.now();
  measuring = true;
  await sleep(seconds * 1000);
  measuring = false;
  const elapsed = (performance.now() - startedAt) / 1000;
  const busyAfter = await treeUsage(busy.process.pid);
  capture.close();
  await busy.process.stop();
  const fps = received.frames / elapsed;
  const latencies = [...received.latencies].sort((a, b) => a - b);
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
  control.send(JSON.stringify({ type: 'pointer', action: 'move', x: 300, y: 200, button: 0, buttons: 0 }));
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
    for (const action of ['down', 'up'])
      control.send(
        JSON.stringify({
          type: 'key',
          action,
          code: 'KeyA',
          key: 'a',
          modifiers: { shift: false, ctrl: false, alt: false, meta: false },
        }),
      );
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
}

export const streamingSuite: Suite = {
  name: 'streaming',
  description: `one ${WIDTH}×${HEIGHT} x11 session through the real streamer: fps, latency, CPU and memory per session, vs ffmpeg's own pipe`,
  run,
};
