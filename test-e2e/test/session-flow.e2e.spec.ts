import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeFrameMessage,
  type GetConnectionResponse,
  type MyWorkspacesResponse,
  type SessionSelectRequest,
} from '@webstream/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type AllInOne, startAllInOne, until } from '../src/all-in-one';
import { type RunningProcess } from '../src/processes';

/**
 * The streamer processes of a run (started in its folder), with their process group and environment. Their
 * launch came on a descriptor: nothing in their environment names the session.
 */
async function streamersOf(runDir: string): Promise<{ pid: number; pgid: number; environ: string }[]> {
  const found: { pid: number; pgid: number; environ: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('streamer-agent/dist/main.js')) continue;
      if ((await readlink(`/proc/${entry}/cwd`)) !== runDir) continue;
      const environ = await readFile(`/proc/${entry}/environ`, 'utf8');
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      found.push({ pid: Number(entry), pgid, environ });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Live (not zombie) members of a process group. */
async function groupMembers(pgid: number): Promise<string[]> {
  const members: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z')
        members.push(stat.slice(0, stat.lastIndexOf(')') + 1));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

// The whole product as a user meets it: `webstream all`, the demo user's workspace launched through the
// gateway, its xterm streamed over the gateway's WebSockets with real x11 capture, typed into, and released.
describe('a session from launch to release, through every service', () => {
  let stack: AllInOne;
  let dir: string;
  let run: RunningProcess;
  let gatewayUrl: string;

  beforeAll(async () => {
    stack = await startAllInOne('session-flow');
    ({ dir, run, gatewayUrl } = stack);
  });

  afterAll(() => stack?.stop());

  it('streams the demo xterm, types a command into it, and leaves nothing running once released', async () => {
    const password = stack.passwordOf('demo');
    const call = async <T>(
      method: string,
      path: string,
      token: string,
      body?: unknown,
      sessionId?: string,
    ) => {
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
      expect(response.status, `${method} ${path}: ${text}`).toBe(200);
      return JSON.parse(text) as T;
    };
    const login = await fetch(`${gatewayUrl}/iam/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'demo', password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };

    // The session host registers with the gateway once it is up: selection waits for a healthy host.
    const [workspace] = (await call<MyWorkspacesResponse>('GET', '/iam/me/workspaces', accessToken)).items;
    const application = workspace!.applications[0]!;
    const sessionId = `flow-${randomUUID()}`;
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
            authorization: `Bearer ${accessToken}`,
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
      throw new Error(`${String(error)}; last answer: ${lastRefusal}\n${run.output().slice(-3000)}`);
    });
    const connection = await call<GetConnectionResponse>(
      'GET',
      '/getConnection',
      accessToken,
      undefined,
      sessionId,
    );
    const streamers = await streamersOf(dir);
    expect(streamers).toHaveLength(1);
    const streamer = streamers[0];
    expect(streamer!.environ).not.toContain(sessionId);
    expect(streamer!.environ).not.toMatch(/WEBSTREAM__|TOKEN|SECRET/i);

    const ws = gatewayUrl.replace('http', 'ws');
    const open = (path: string, ticket: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`${ws}${path}?ticket=${ticket}&sessionId=${sessionId}`);
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
    const capture = await open('/capture', connection.tickets.capture);
    const control = await open('/control', connection.tickets.control);
    const frames: { seq: number; width: number; bytes: number }[] = [];
    capture.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return;
      const { header, payload } = decodeFrameMessage(data);
      frames.push({ seq: header.seq, width: header.width, bytes: payload.length });
    });
    const closed = new Promise<number>((resolve) => capture.once('close', (code) => resolve(code)));
    await until('a first frame', () => (frames.length > 0 ? true : undefined), 15_000);
    expect(frames[0]).toMatchObject({ width: 1280 });

    // Focus follows the pointer: over the xterm first, then a probe typed key by key into its shell: what the
    // application can see of the machine, written into its home.
    control.send(JSON.stringify({ type: 'pointer', action: 'move', x: 200, y: 150, button: 0, buttons: 0 }));
    const before = frames.length;
    const modifiers = { shift: false, ctrl: false, alt: false, meta: false };
    const type = (line: string) => {
      for (const char of line) {
        // KeyboardEvent.code 'Unidentified': the streamer then types the character the key names.
        const key = char === ' ' ? { code: 'Space', key: ' ' } : { code: 'Unidentified', key: char };
        for (const action of ['down', 'up'])
          control.send(JSON.stringify({ type: 'key', action, ...key, modifiers }));
      }
      for (const action of ['down', 'up'])
        control.send(JSON.stringify({ type: 'key', action, code: 'Enter', key: 'Enter', modifiers }));
    };
    const installRoot = join(__dirname, '..', '..');
    type(
      [
        'id -u > ~/uid',
        'env > ~/env',
        'ls /proc > ~/proc',
        `ls ${installRoot} > ~/install 2>&1`,
        `cat ${join(dir, '.data', 'initial-credentials.txt')} > ~/data 2>&1`,
        `ls ${join(dir, '.data', 'homes')} > ~/homes 2>&1`,
        'touch ~/done',
      ].join('; '),
    );
    const homes = join(dir, '.data', 'homes');
    const home = await until(
      'the probe to finish in the session user’s home',
      () => readdirSync(homes).find((entry) => existsSync(join(homes, entry, 'done'))),
      20_000,
    );
    const seen = (name: string) => readFileSync(join(homes, home, name), 'utf8');
    expect(frames.length).toBeGreaterThan(before);
    // Its own unprivileged uid: neither root nor the services' user, and the owner of its home.
    const uid = Number(seen('uid').trim());
    expect(uid).toBeGreaterThanOrEqual(200_000);
    expect(uid).not.toBe(process.getuid?.());
    expect(statSync(join(homes, home)).uid).toBe(uid);
    expect(statSync(join(homes, home)).mode & 0o777).toBe(0o700);
    // Its environment: the allow-list only.
    const variables = seen('env')
      .split('\n')
      .filter((line) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(line))
      .map((line) => line.slice(0, line.indexOf('=')));
    const allowed =
      /^(DISPLAY|XAUTHORITY|PULSE_SERVER|HOME|USER|LOGNAME|SHELL|PATH|LANG|LC_[A-Z]+|TERM|XDG_RUNTIME_DIR|TZ|PWD|SHLVL|OLDPWD|_|WINDOWID|XTERM_[A-Z]+|COLORTERM|COLUMNS|LINES)$/;
    expect(variables.filter((name) => !allowed.test(name))).toEqual([]);
    expect(seen('env')).not.toMatch(/WEBSTREAM|TOKEN|SECRET|postgres(ql)?:\/\//i);
    // No process outside its session: its own pid namespace holds a handful.
    const pids = seen('proc')
      .split('\n')
      .filter((entry) => /^\d+$/.test(entry));
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.length).toBeLessThan(20);
    // The install, .data (credentials, other users' homes) are not there at all.
    expect(seen('install')).toMatch(/No such file or directory/);
    expect(seen('data')).toMatch(/No such file or directory/);
    expect(seen('homes')).toMatch(/No such file or directory/);

    const group = await groupMembers(streamer!.pgid);
    expect(group.join(' ')).toMatch(/Xvfb/);
    expect(group.join(' ')).toMatch(/ffmpeg/);
    await call('POST', '/gateway/session/release', accessToken, { sessionId });
    expect(await closed).toBe(4012);
    await until(
      'every process of the session to end',
      async () => ((await groupMembers(streamer!.pgid)).length === 0 ? true : undefined),
      15_000,
    );
    const status = await call<{ state: string; endedReason?: string }>(
      'GET',
      '/gateway/session/status',
      accessToken,
      undefined,
      sessionId,
    );
    expect(status).toMatchObject({ state: 'ended', endedReason: 'session-ended' });
    control.close();
  });
});
