import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webstreamConfigSchema, type WebstreamConfig } from '@webstream/config';
import {
  defaultPolicy,
  encodeWorkspaceHeaders,
  type StreamerLaunch,
  type WorkspaceContract,
} from '@webstream/contracts';

export const TOKEN = 'backend-token-'.padEnd(40, 'x');
export const SERVICE_TOKEN = 'service-token-'.padEnd(40, 'y');
export const METRICS_TOKEN = 'metrics-token-'.padEnd(40, 'z');

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** `count` consecutive free ports (a streamer port range), none of them `avoid`. */
export async function freePortRange(count: number, avoid: number[] = []): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const servers: Server[] = [];
    let free = true;
    for (let port = base; port < base + count; port++) {
      const server = createServer();
      try {
        if (avoid.includes(port)) throw new Error('avoided');
        await listen(server, port);
        servers.push(server);
      } catch {
        free = false;
        break;
      }
    }
    await Promise.all(servers.map(closeServer));
    if (free) return base;
  }
}

/** Whether a process runs: an exited one that nobody reaped (a zombie) does not. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * A stand-in streamer: reads its launch spec from descriptor 3, spawns `sleep 1000` (so that its process
 * group matters), records what happens in <dir>/<sessionId>.jsonl and, unless told otherwise by the contract's
 * appExe, answers /health/ready on its port. appExe: ready (exits 100 ms after a drain or end request),
 * ignore-drain (ignores both),
 * never-ready, crash (exits 3 at once, after a line on stderr).
 */
const STAND_IN_STREAMER = String.raw`
const http = require('node:http');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const launch = JSON.parse(fs.readFileSync(3, 'utf8'));
const dir = process.argv[2];
const mode = launch.contract.appExe;
const record = (entry) =>
  fs.appendFileSync(path.join(dir, launch.sessionId + '.jsonl'), JSON.stringify(entry) + '\n');
const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
record({ event: 'start', pid: process.pid, sleepPid: child.pid, launch, envKeys: Object.keys(process.env) });
if (mode === 'crash') {
  process.stderr.write('stand-in streamer: cannot open the display\n');
  process.exit(3);
}
setInterval(() => undefined, 60000);
if (mode !== 'never-ready') {
  http
    .createServer((req, res) => {
      if (req.url === '/health/ready') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      if (req.url === '/streamer/end' && req.method === 'POST') {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          record({ event: 'end', token: req.headers['x-backend-token'], secret: req.headers['x-streamer-secret'], body: JSON.parse(body) });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ended":true}');
          if (mode !== 'ignore-drain') setTimeout(() => process.exit(0), 100);
        });
        return;
      }
      if (req.url === '/streamer/drain' && req.method === 'POST') {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          record({ event: 'drain', token: req.headers['x-backend-token'], secret: req.headers['x-streamer-secret'], body: JSON.parse(body) });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ endsAt: new Date().toISOString() }));
          if (mode !== 'ignore-drain') setTimeout(() => process.exit(0), 100);
        });
        return;
      }
      res.writeHead(404).end();
    })
    .listen(launch.port, '127.0.0.1');
}
`;

export interface StandInRecord {
  event: 'start' | 'drain' | 'end';
  pid: number;
  sleepPid: number;
  launch: StreamerLaunch;
  envKeys?: string[];
  token?: string;
  secret?: string;
  body?: { secondsLeft?: number; reason?: string };
}

/** A temp folder holding the stand-in streamer script and what its runs record. */
export class StandInStreamers {
  private constructor(readonly dir: string) {}

  get script(): string {
    return join(this.dir, 'stand-in-streamer.js');
  }

  static async create(): Promise<StandInStreamers> {
    const streamers = new StandInStreamers(await mkdtemp(join(tmpdir(), 'session-host-test-')));
    await writeFile(streamers.script, STAND_IN_STREAMER);
    return streamers;
  }

  records(sessionId: string): StandInRecord[] {
    let text: string;
    try {
      text = readFileSync(join(this.dir, `${sessionId}.jsonl`), 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as StandInRecord);
  }

  starts(sessionId: string): StandInRecord[] {
    return this.records(sessionId).filter((entry) => entry.event === 'start');
  }
}

export function contract(overrides: Partial<WorkspaceContract> = {}): WorkspaceContract {
  return {
    workspaceId: 'ws-1',
    workspaceName: 'Design studio',
    workspaceType: 'app',
    appId: 'app-1',
    appExe: 'ready',
    appArgs: '--fullscreen',
    userId: 'user-1',
    username: 'ada',
    orgId: 'org-1',
    policy: defaultPolicy,
    ...overrides,
  };
}

/** What the gateway sends the host on /getConnection: the contract's headers, the session id and its token. */
export function connectionHeaders(sessionId: string, overrides: Partial<WorkspaceContract> = {}) {
  return {
    ...encodeWorkspaceHeaders(contract(overrides)),
    'X-Session-ID': sessionId,
    'X-Backend-Token': TOKEN,
  };
}

export function hostConfig(settings: {
  port: number;
  gatewayUrl: string;
  metricsUrl?: string;
  basePort?: number;
  maxSessions?: number;
  spoolDir: string;
  sandbox?: 'none' | 'bubblewrap';
  homeRoot?: string;
}): WebstreamConfig {
  return webstreamConfigSchema.parse({
    logging: { level: 'silent' },
    metrics: { bearerToken: METRICS_TOKEN },
    gateway: { backend: { gatewayUrl: settings.gatewayUrl, token: TOKEN, heartbeatInterval: 1 } },
    sessionHost: {
      port: settings.port,
      serverUrl: `http://localhost:${settings.port}`,
      maxSessions: settings.maxSessions ?? 2,
      tags: ['linux', 'test'],
      capabilities: ['gpu'],
      streamerReadyTimeout: 2,
      drainTimeout: 1.5,
      // Stand-in streamers start no application; the real sandbox is tested end to end (test-e2e).
      sandbox: {
        mode: settings.sandbox ?? 'none',
        ...(settings.homeRoot === undefined ? {} : { homeRoot: settings.homeRoot }),
      },
    },
    ...(settings.basePort === undefined ? {} : { streamer: { basePort: settings.basePort } }),
    metricsEngine: { url: settings.metricsUrl ?? 'http://127.0.0.1:9', serviceToken: SERVICE_TOKEN },
    telemetry: { spoolDir: settings.spoolDir, flushIntervalMs: 100 },
  });
}
