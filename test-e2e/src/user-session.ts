import { randomUUID } from 'node:crypto';
import { readdir, readFile, readlink } from 'node:fs/promises';
import {
  decodeFrameMessage,
  type GetConnectionResponse,
  type MyWorkspacesResponse,
  type SessionSelectRequest,
} from '@webstream/contracts';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { until } from '@webstream/testing';

/** A call through the gateway that must answer 200; its JSON body. */
export async function gatewayCall<T>(
  gatewayUrl: string,
  method: string,
  path: string,
  token: string,
  options: { body?: unknown; sessionId?: string; status?: number } = {},
): Promise<T> {
  const { body, sessionId, status = 200 } = options;
  const response = await fetch(`${gatewayUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(sessionId === undefined ? {} : { 'x-session-id': sessionId }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.status, `${method} ${path}: ${text}`).toBe(status);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export async function signIn(gatewayUrl: string, username: string, password: string): Promise<string> {
  const login = await fetch(`${gatewayUrl}/iam/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await login.text();
  expect(login.status, body).toBe(200);
  return (JSON.parse(body) as { accessToken: string }).accessToken;
}

/**
 * A user's session of their first workspace's first application, launched and streamed through the gateway:
 * its frames counted, its control socket for typing into the application.
 */
export class UserSession {
  readonly frames: { seq: number; width: number; bytes: number }[] = [];
  readonly closed: Promise<number>;

  private constructor(
    private readonly gatewayUrl: string,
    private readonly token: string,
    readonly sessionId: string,
    readonly connection: GetConnectionResponse,
    readonly capture: WebSocket,
    readonly control: WebSocket,
  ) {
    capture.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return;
      const { header, payload } = decodeFrameMessage(data);
      this.frames.push({ seq: header.seq, width: header.width, bytes: payload.length });
    });
    this.closed = new Promise((resolve) => capture.once('close', (code) => resolve(code)));
  }

  /** Selects a host (waiting for one to register), asks for the connection, opens /capture and /control. */
  static async launch(gatewayUrl: string, token: string, output: () => string): Promise<UserSession> {
    const [workspace] = (
      await gatewayCall<MyWorkspacesResponse>(gatewayUrl, 'GET', '/iam/me/workspaces', token)
    ).items;
    const application = workspace!.applications[0]!;
    const sessionId = `e2e-${randomUUID()}`;
    const launch: SessionSelectRequest = {
      workspaceId: workspace!.id,
      workspaceType: workspace!.type,
      appId: application.id,
      appExe: application.exe,
      appArgs: application.args,
    };
    let lastRefusal = '';
    await until(
      'a session host to take the session',
      async () => {
        const response = await fetch(`${gatewayUrl}/gateway/session/select`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'x-session-id': sessionId,
          },
          body: JSON.stringify(launch),
        });
        if (response.status === 200) return true;
        lastRefusal = `${response.status} ${await response.text()}`;
        return undefined;
      },
      30_000,
      // Within the gateway's limit on session requests.
      1_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; last answer: ${lastRefusal}\n${output().slice(-3000)}`);
    });
    const connection = await gatewayCall<GetConnectionResponse>(gatewayUrl, 'GET', '/getConnection', token, {
      sessionId,
    });
    const ws = gatewayUrl.replace('http', 'ws');
    const open = (path: string, ticket: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`${ws}${path}?ticket=${ticket}&sessionId=${sessionId}`);
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
    const capture = await open('/capture', connection.tickets.capture);
    const control = await open('/control', connection.tickets.control);
    const session = new UserSession(gatewayUrl, token, sessionId, connection, capture, control);
    await until('a first frame', () => (session.frames.length > 0 ? true : undefined), 15_000);
    // Focus follows the pointer: over the application before anything is typed.
    control.send(JSON.stringify({ type: 'pointer', action: 'move', x: 200, y: 150, button: 0, buttons: 0 }));
    return session;
  }

  /** Types a line key by key into the application, then Enter. */
  type(line: string): void {
    const modifiers = { shift: false, ctrl: false, alt: false, meta: false };
    for (const char of line) {
      // KeyboardEvent.code 'Unidentified': the streamer then types the character the key names.
      const key = char === ' ' ? { code: 'Space', key: ' ' } : { code: 'Unidentified', key: char };
      for (const action of ['down', 'up'])
        this.control.send(JSON.stringify({ type: 'key', action, ...key, modifiers }));
    }
    for (const action of ['down', 'up'])
      this.control.send(JSON.stringify({ type: 'key', action, code: 'Enter', key: 'Enter', modifiers }));
  }

  status(): Promise<{ state: string; endedReason?: string }> {
    return gatewayCall(this.gatewayUrl, 'GET', '/gateway/session/status', this.token, {
      sessionId: this.sessionId,
    });
  }

  async release(): Promise<void> {
    await gatewayCall(this.gatewayUrl, 'POST', '/gateway/session/release', this.token, {
      body: { sessionId: this.sessionId },
    });
    this.control.close();
  }
}

async function eachProcess<T>(read: (pid: number) => Promise<T | undefined>): Promise<T[]> {
  const found: T[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const value = await read(Number(entry));
      if (value !== undefined) found.push(value);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Fields of /proc/<pid>/stat after the command name: state is [0], pgid [2]. */
async function statFields(pid: number): Promise<{ name: string; fields: string[] }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return {
    name: stat.slice(0, stat.lastIndexOf(')') + 1),
    fields: stat.slice(stat.lastIndexOf(')') + 2).split(' '),
  };
}

export interface StreamerProcess {
  pid: number;
  pgid: number;
  environ: string;
}

/**
 * The streamer of a session of a run (started in its folder): found by `--session <id>` on its command line,
 * since its launch came on a descriptor and nothing in its environment names the session.
 */
export async function streamerOf(runDir: string, sessionId: string): Promise<StreamerProcess> {
  const found = await eachProcess(async (pid) => {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    if (!cmdline.some((arg) => arg.endsWith('streamer-agent/dist/main.js'))) return undefined;
    if (cmdline[cmdline.indexOf('--session') + 1] !== sessionId) return undefined;
    if ((await readlink(`/proc/${pid}/cwd`)) !== runDir) return undefined;
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
    return { pid, pgid: Number((await statFields(pid)).fields[2]), environ };
  });
  expect(found, `the streamer of ${sessionId}`).toHaveLength(1);
  return found[0]!;
}

/** Live (not zombie) members of a process group, with their command lines. */
export function groupMembers(pgid: number): Promise<{ pid: number; name: string; cmdline: string[] }[]> {
  return eachProcess(async (pid) => {
    const { name, fields } = await statFields(pid);
    if (Number(fields[2]) !== pgid || fields[0] === 'Z') return undefined;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return { pid, name, cmdline };
  });
}

/** Live processes whose real uid is `uid`. */
export function processesOf(uid: number): Promise<number[]> {
  return eachProcess(async (pid) => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    return Number(real) === uid && state !== 'Z' ? pid : undefined;
  });
}

/** TCP ports a process listens on, from its socket descriptors and /proc/net/tcp{,6}. */
export async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const columns = line.trim().split(/\s+/);
      // st 0A: LISTEN.
      if (columns[3] === '0A' && inodes.has(columns[9] ?? '')) {
        ports.push(parseInt(columns[1]!.split(':')[1]!, 16));
      }
    }
  }
  return ports;
}
