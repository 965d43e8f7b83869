// What the session sandbox costs a session: start time (/getConnection until the first frame at a client) and
// memory (RSS of the streamer and everything it started), through a real session host with
// sessionHost.sandbox.mode bubblewrap against one with mode none, sessions taken in turns in the same run.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BACKEND_TOKEN_HEADER,
  defaultPolicy,
  encodeWorkspaceHeaders,
  hostSessionEndRoute,
  SESSION_ID_HEADER,
  STREAMER_SECRET_HEADER,
  streamerConnectionSchema,
  USER_ID_HEADER,
  type WorkspaceContract,
} from '@webstream/contracts';
import WebSocket from 'ws';
import { formatNumber, progress } from '../report';
import { freePort } from '@webstream/testing';
import { randomToken, ServiceProcess } from '../service';
import { type SuiteContext } from '../suite';
import { type StreamerPeers } from './peers';
import { treeUsage } from './process-tree';

const SESSIONS_PER_MODE = 5;
/** Settled after its first frame: Xvfb, the application and ffmpeg have mapped what they use. */
const SETTLE_MS = 2_000;
const MB = 1024 * 1024;

type Mode = 'bubblewrap' | 'none';

interface Sample {
  startMs: number;
  rssMB: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The streamer the host started for a session: its child whose command line names the session. */
async function streamerPid(hostPid: number, sessionId: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== hostPid) continue;
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (cmdline[cmdline.indexOf('--session') + 1] === sessionId) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no streamer of session ${sessionId} under process ${hostPid}`);
}

class BenchSessionHost {
  private sessions = 0;

  private constructor(
    readonly mode: Mode,
    readonly host: ServiceProcess,
    private readonly backendToken: string,
  ) {}

  static async start(
    mode: Mode,
    context: SuiteContext,
    workDir: string,
    peers: StreamerPeers,
    backendToken: string,
  ): Promise<BenchSessionHost> {
    const dir = join(workDir, `host-${mode}`);
    await mkdir(dir, { recursive: true });
    const host = await ServiceProcess.start({
      name: `session host (sandbox ${mode})`,
      main: 'apps/session-host/dist/main.js',
      portKey: 'WEBSTREAM__SESSIONHOST__PORT',
      env: {
        WEBSTREAM__GATEWAY__BACKEND__GATEWAYURL: peers.url,
        WEBSTREAM__GATEWAY__BACKEND__TOKEN: backendToken,
        WEBSTREAM__METRICSENGINE__URL: peers.url,
        WEBSTREAM__METRICSENGINE__SERVICETOKEN: randomToken(),
        WEBSTREAM__TELEMETRY__SPOOLDIR: join(dir, 'spool'),
        WEBSTREAM__STREAMER__CAPTURESOURCE: 'x11',
        WEBSTREAM__STREAMER__BASEPORT: String(Math.min(await freePort(), 60_000)),
        WEBSTREAM__SESSIONHOST__MAXSESSIONS: '2',
        WEBSTREAM__SESSIONHOST__SANDBOX__MODE: mode,
        WEBSTREAM__SESSIONHOST__SANDBOX__HOMEROOT: join(dir, 'homes'),
      },
      cwd: dir,
    });
    context.cleanup.add(`stop the session host (sandbox ${mode})`, () => host.stop());
    return new BenchSessionHost(mode, host, backendToken);
  }

  /** One session: started, streamed until its first frame, measured once settled, ended. */
  async session(): Promise<Sample> {
    this.sessions += 1;
    const sessionId = `bench-sandbox-${this.mode}-${this.sessions}`;
    const contract: WorkspaceContract = {
      workspaceId: 'bench-workspace',
      workspaceName: 'Bench',
      workspaceType: 'app',
      appId: 'bench-xterm',
      appExe: '/usr/bin/xterm',
      appArgs: '',
      // One user per session: each gets a uid (and home) of their own, as distinct users do.
      userId: `bench-user-${this.mode}-${this.sessions}`,
      username: `bench${this.sessions}`,
      orgId: 'bench-org',
      policy: { ...defaultPolicy, idleTimeoutSeconds: 0, audio: false },
    };
    const startedAt = performance.now();
    const response = await fetch(`${this.host.url}/getConnection`, {
      headers: {
        ...encodeWorkspaceHeaders(contract),
        [SESSION_ID_HEADER]: sessionId,
        [BACKEND_TOKEN_HEADER]: this.backendToken,
      },
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`/getConnection answered ${response.status}: ${text}`);
    const connection = streamerConnectionSchema.parse(JSON.parse(text));
    const capture = new WebSocket(`ws://${connection.host}:${connection.port}${connection.paths.capture}`, {
      headers: {
        [STREAMER_SECRET_HEADER]: connection.streamerSecret,
        [SESSION_ID_HEADER]: sessionId,
        [USER_ID_HEADER]: contract.userId,
      },
    });
    await new Promise<void>((resolve, reject) => {
      capture.on('message', (_data, isBinary) => {
        if (isBinary) resolve();
      });
      capture.once('error', reject);
      capture.once('close', (code) => reject(new Error(`/capture closed (${code}) before a first frame`)));
    });
    const startMs = performance.now() - startedAt;
    await sleep(SETTLE_MS);
    const usage = await treeUsage(await streamerPid(this.host.pid, sessionId));
    capture.removeAllListeners('close');
    capture.close();
    const ended = await fetch(`${this.host.url}${hostSessionEndRoute.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [BACKEND_TOKEN_HEADER]: this.backendToken },
      body: JSON.stringify({ sessionId, reason: 'session-ended' }),
    });
    if (ended.status !== 200) throw new Error(`${hostSessionEndRoute.path} answered ${ended.status}`);
    // Its processes gone before the next session is timed.
    await sleep(1_000);
    return { startMs, rssMB: usage.rssBytes / MB };
  }
}

/** Sessions of a sandboxed and an unsandboxed host, in turns, so both see the same machine. */
export async function measureSandboxCost(
  context: SuiteContext,
  workDir: string,
  peers: StreamerPeers,
): Promise<void> {
  const { record, detail } = context;
  const backendToken = randomToken();
  const hosts = {
    bubblewrap: await BenchSessionHost.start('bubblewrap', context, workDir, peers, backendToken),
    none: await BenchSessionHost.start('none', context, workDir, peers, backendToken),
  };
  const samples: Record<Mode, Sample[]> = { bubblewrap: [], none: [] };
  // A first session of each, not counted: the page cache and Node's compile cache are warm for both after it.
  await hosts.none.session();
  await hosts.bubblewrap.session();
  for (let i = 0; i < SESSIONS_PER_MODE; i += 1) {
    for (const mode of ['none', 'bubblewrap'] as const) {
      const sample = await hosts[mode].session();
      samples[mode].push(sample);
      progress(
        `sandbox ${mode}: session ${i + 1}/${SESSIONS_PER_MODE} started in ${formatNumber(sample.startMs)} ms, ${formatNumber(sample.rssMB)} MB`,
      );
    }
  }
  detail('sandboxCost', samples);
  const start = (mode: Mode) => median(samples[mode].map((sample) => sample.startMs));
  const memory = (mode: Mode) => median(samples[mode].map((sample) => sample.rssMB));
  record({
    name: `session start (/getConnection → first frame), median of ${SESSIONS_PER_MODE}, bubblewrap sandbox vs none`,
    value: start('bubblewrap'),
    unit: 'ms',
    baseline: { name: 'no sandbox', value: start('none') },
  });
  record({
    name: 'session start: what the sandbox adds (target ≤ 150 ms)',
    value: start('bubblewrap') - start('none'),
    unit: 'ms',
  });
  record({
    name: `memory of a session (RSS of the streamer and its processes), median of ${SESSIONS_PER_MODE}, bubblewrap vs none`,
    value: memory('bubblewrap'),
    unit: 'MB',
    baseline: { name: 'no sandbox', value: memory('none') },
  });
  record({
    name: 'session memory: what the sandbox adds (target ≤ 10 MB)',
    value: memory('bubblewrap') - memory('none'),
    unit: 'MB',
  });
}
