// One real streamer process for the bench: an x11 session of xterm, unsandboxed (the capture figures without
// the sandbox's start-up), its licence and telemetry peers answered by StreamerPeers.
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  decodeFrameMessage,
  defaultPolicy,
  SESSION_ID_HEADER,
  STREAMER_SECRET_HEADER,
  type StreamerLaunch,
  USER_ID_HEADER,
  type WorkspacePolicy,
} from '@webstream/contracts';
import { STREAMER_NODE_ARGS } from '@webstream/streamer-agent/dist/node-args';
import WebSocket from 'ws';
import { randomToken, ServiceProcess } from '../service';
import { type Cleanup } from '../suite';
import { type StreamerPeers } from './peers';

export const WIDTH = 1280;
export const HEIGHT = 720;
export const FRAME_RATE = 30;
export const QUALITY = 5;
export const XTERM = '/usr/bin/xterm';

/**
 * A screen that changes every frame: xterm scrolling a counted listing as fast as it can draw. (`yes` scrolls
 * one line over and over, which leaves the picture as it was: no frame ever changes.)
 */
export const BUSY_ARGS = [
  '-geometry',
  '200x56+0+0',
  '-e',
  'sh',
  '-c',
  'seq -f "%012g webstream-bench" 1 1000000000',
];
/** The notes' heavier screen: a long, wide listing with full timestamps and a nanosecond counter, looped. */
export const HEAVY_ARGS = [
  '-geometry',
  '200x56+0+0',
  '-e',
  'sh',
  '-c',
  'while :; do ls -la --time-style=full-iso /usr/lib /usr/bin | head -400; date +%N; done',
];
/** A screen that changes only when typed into. */
export const IDLE_ARGS = ['-geometry', '200x56+0+0'];

export interface BenchStreamerOptions {
  name: string;
  appArgs: readonly string[];
  workDir: string;
  peers: StreamerPeers;
  cleanup: Cleanup;
  policy?: Partial<WorkspacePolicy>;
}

export interface BenchStreamer {
  process: ServiceProcess;
  /** A WebSocket to one of its paths, opened as the gateway would (with the session's secret). */
  open(path: string): Promise<WebSocket>;
  /** The headers the gateway adds, for a relay of the bench's own. */
  headers: Record<string, string>;
}

function shellWords(args: readonly string[]): string {
  return args.map((arg) => (/^[\w./+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export async function startBenchStreamer(options: BenchStreamerOptions): Promise<BenchStreamer> {
  const { name, appArgs, workDir, peers, cleanup } = options;
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
      policy: { ...defaultPolicy, idleTimeoutSeconds: 0, audio: false, ...options.policy },
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
    nodeArgs: STREAMER_NODE_ARGS,
    portKey: 'WEBSTREAM__STREAMER__BASEPORT',
    env: {
      WEBSTREAM__SESSIONHOST__PUBLICIP: '127.0.0.1',
      WEBSTREAM__GATEWAY__BACKEND__GATEWAYURL: peers.url,
      WEBSTREAM__GATEWAY__BACKEND__TOKEN: randomToken(),
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
  return { process: process_, open, headers };
}

/** The pointer over the xterm: without a window manager, keyboard focus follows it. */
export const POINTER_OVER_XTERM = JSON.stringify({
  type: 'pointer',
  action: 'move',
  x: 300,
  y: 200,
  button: 0,
  buttons: 0,
});

/** The /control message of the key 'a' going down or up. */
export const keyA = (action: 'down' | 'up'): string =>
  JSON.stringify({
    type: 'key',
    action,
    code: 'KeyA',
    key: 'a',
    modifiers: { shift: false, ctrl: false, alt: false, meta: false },
  });

export interface Tally {
  frames: number;
  bytes: number;
  /** Arrival − the frame's capture timestamp, ms. */
  latencies: number[];
  /** Stops counting (what arrives later is not in the figures). */
  stop(): void;
}

/** Counts what one /capture socket receives from now on. */
export function tally(socket: WebSocket): Tally {
  const listener = (data: Buffer, isBinary: boolean): void => {
    if (!isBinary) return;
    const { header } = decodeFrameMessage(data);
    counted.frames += 1;
    counted.bytes += data.length;
    counted.latencies.push(Date.now() - header.timestamp);
  };
  const counted: Tally = {
    frames: 0,
    bytes: 0,
    latencies: [],
    stop: () => socket.off('message', listener),
  };
  socket.on('message', listener);
  return counted;
}
