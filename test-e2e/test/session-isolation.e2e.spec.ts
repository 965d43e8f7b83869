import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKEND_TOKEN_HEADER } from '@webstream/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { until } from '@webstream/testing';
import { type AllInOne, startAllInOne } from '../src/all-in-one';
import {
  gatewayCall,
  groupMembers,
  listeningPorts,
  processesOf,
  signIn,
  streamerOf,
  UserSession,
} from '../src/user-session';

/** The session host's default `sessionHost.sandbox.limits.processes`. */
const PROCESS_LIMIT = 256;
/**
 * The streamer's helpers run as the session's uid and join its cgroup once started (a cgroup may hold more than
 * its limit by migration): a few above the limit, where an unbounded fork bomb reaches thousands.
 */
const HELPERS = 8;

/** What an upgrade to a streamer's port answers: the HTTP status that refused it, or 101 once open. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.close();
    });
    socket.once('error', reject);
  });
}

/** Frames a session delivers over `ms`. */
async function framesOver(session: UserSession, ms: number): Promise<number> {
  const before = session.frames.length;
  await new Promise((done) => setTimeout(done, ms));
  return session.frames.length - before;
}

// Two users of one organization on one session host: the attacker's xterm tries the victim's display, sound
// and streamer, then a memory hog and a fork bomb, while the victim's session keeps streaming.
describe('sessions kept apart from each other and from the host', () => {
  const backendToken = randomBytes(32).toString('base64url');
  let stack: AllInOne;

  beforeAll(async () => {
    stack = await startAllInOne('isolation', { WEBSTREAM__GATEWAY__BACKEND__TOKEN: backendToken });
  });

  afterAll(() => stack?.stop());

  it('keeps one session out of another and contains its memory hog and fork bomb', async () => {
    const { dir, gatewayUrl, run } = stack;
    const adminToken = await signIn(gatewayUrl, 'admin', stack.passwordOf('admin'));
    const demoToken = await signIn(gatewayUrl, 'demo', stack.passwordOf('demo'));
    // A second user, entitled to the demo workspace.
    const [demo] = (
      await gatewayCall<{ items: { id: string; orgId: string }[] }>(
        gatewayUrl,
        'GET',
        '/iam/users?q=demo',
        adminToken,
      )
    ).items;
    const password = `Pw-${randomBytes(12).toString('base64url')}`;
    const mallory = await gatewayCall<{ id: string }>(gatewayUrl, 'POST', '/iam/users', adminToken, {
      body: { orgId: demo!.orgId, username: 'mallory', password },
      status: 201,
    });
    const [workspace] = (
      await gatewayCall<{ items: { id: string }[] }>(gatewayUrl, 'GET', '/iam/me/workspaces', demoToken)
    ).items;
    await gatewayCall(gatewayUrl, 'POST', '/iam/entitlements', adminToken, {
      body: { workspaceId: workspace!.id, userId: mallory.id },
      status: 201,
    });
    const malloryToken = await signIn(gatewayUrl, 'mallory', password);

    const victim = await UserSession.launch(gatewayUrl, demoToken, run.output);
    // A clock in the victim's xterm: its picture changes all the time, so frames keep coming.
    victim.type('while :; do date; sleep 0.2; done');
    const attacker = await UserSession.launch(gatewayUrl, malloryToken, run.output);

    // The victim's display, sound socket and streamer port, as the host sees them.
    const victimStreamer = await streamerOf(dir, victim.sessionId);
    const members = await groupMembers(victimStreamer.pgid);
    // Xvfb picks its display itself (-displayfd): ffmpeg's input names it.
    const ffmpeg = members.find((member) => member.name.includes('(ffmpeg)'))?.cmdline ?? [];
    const display = ffmpeg[ffmpeg.indexOf('-i') + 1];
    expect(display, members.map((member) => member.cmdline.join(' ')).join('\n')).toMatch(/^:\d+$/);
    const runtimeRoot = '/run/webstream';
    let victimPulse: string | undefined;
    for (const host of await readdir(runtimeRoot)) {
      const socket = join(runtimeRoot, host, victim.sessionId, 'pulse', 'native');
      if (existsSync(socket)) victimPulse = socket;
    }
    expect(victimPulse, 'the victim session’s PulseAudio socket').toBeDefined();

    // The attacker's probe: the victim's display (its socket path, then TCP), its sound, what /tmp/.X11-unix
    // holds.
    const number = display!.slice(1);
    attacker.type(
      [
        `DISPLAY=:${number} xdotool getmouselocation > ~/x-socket 2>&1; echo "exit $?" >> ~/x-socket`,
        `DISPLAY=127.0.0.1:${number} xdotool getmouselocation > ~/x-tcp 2>&1; echo "exit $?" >> ~/x-tcp`,
        `pactl --server=unix:${victimPulse!} info > ~/pulse 2>&1; echo "exit $?" >> ~/pulse`,
        'pactl info > ~/own-pulse 2>&1; echo "exit $?" >> ~/own-pulse',
        'ls -A /tmp/.X11-unix > ~/sockets',
        'id -u > ~/uid',
        'touch ~/probed',
      ].join('; '),
    );
    const homes = join(dir, '.data', 'homes');
    const home = await until(
      'the attacker’s probe to finish',
      () => readdirSync(homes).find((entry) => existsSync(join(homes, entry, 'probed'))),
      30_000,
    );
    const seen = (name: string) => readFileSync(join(homes, home, name), 'utf8');
    const attackerUid = Number(seen('uid').trim());
    expect(seen('x-socket')).toMatch(/exit [1-9]/);
    expect(seen('x-socket')).not.toMatch(/x:\d+ y:\d+/);
    expect(seen('x-tcp')).toMatch(/exit [1-9]/);
    expect(seen('pulse')).toMatch(/exit [1-9]/);
    // Its own sound works: the refusal above is the victim's, not a broken client.
    expect(seen('own-pulse')).toMatch(/exit 0/);
    // Only its own display's socket.
    expect(seen('sockets').trim().split('\n')).toHaveLength(1);
    expect(seen('sockets')).not.toContain(`X${number}\n`);

    // The victim's streamer listens on loopback only, and the backend token alone opens none of its doors.
    const ports = await listeningPorts(victimStreamer.pid);
    expect(ports.length).toBeGreaterThan(0);
    const tcp = await readFile('/proc/net/tcp', 'utf8');
    for (const port of ports) {
      const hex = port.toString(16).toUpperCase().padStart(4, '0');
      const bindings = tcp.split('\n').filter((line) => line.includes(`:${hex} 00000000:0000 0A`));
      expect(bindings.every((line) => line.trim().split(/\s+/)[1] === `0100007F:${hex}`)).toBe(true);
      for (const path of ['/capture', '/control', '/audio']) {
        const status = await upgradeStatus(`ws://127.0.0.1:${port}${path}?sessionId=${victim.sessionId}`, {
          [BACKEND_TOKEN_HEADER]: backendToken,
        });
        expect([401, 403], `${path} on ${port}`).toContain(status);
      }
    }

    // A memory hog: one line of 4 GB, which tail keeps whole. The session's memory limit ends it.
    attacker.type('head -c 4G /dev/zero | tail > /dev/null; echo "exit $?" > ~/hog');
    await until(
      'the memory hog to end',
      () => (existsSync(join(homes, home, 'hog')) ? true : undefined),
      60_000,
    );
    expect(seen('hog')).toMatch(/exit [1-9]/);
    expect(await framesOver(victim, 2_000)).toBeGreaterThan(0);

    // A fork bomb: the session's process limit holds it while the victim keeps streaming.
    attacker.type(':(){ :|:& };:');
    const peak = await until(
      'the fork bomb to fill its session',
      async () => {
        const count = (await processesOf(attackerUid)).length;
        return count > PROCESS_LIMIT / 2 ? count : undefined;
      },
      30_000,
      200,
    );
    let most = peak;
    const sampling = (async () => {
      const end = Date.now() + 5_000;
      while (Date.now() < end) {
        most = Math.max(most, (await processesOf(attackerUid)).length);
        await new Promise((done) => setTimeout(done, 100));
      }
    })();
    const delivered = await framesOver(victim, 5_000);
    await sampling;
    expect(most).toBeLessThanOrEqual(PROCESS_LIMIT + HELPERS);
    expect(delivered).toBeGreaterThan(0);
    expect(await victim.status()).toMatchObject({ state: 'active' });

    // Released, the attacker's session leaves no process of its uid behind; the victim's goes on.
    await attacker.release();
    await until(
      'every process of the attacker’s session to end',
      async () => ((await processesOf(attackerUid)).length === 0 ? true : undefined),
      30_000,
    );
    expect(await framesOver(victim, 1_000)).toBeGreaterThan(0);
    await victim.release();
    expect(await victim.closed).toBe(4012);
  });
});
