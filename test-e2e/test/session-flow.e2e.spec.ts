import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@webstream/testing';
import { type AllInOne, startAllInOne } from '../src/all-in-one';
import { groupMembers, signIn, streamerOf, UserSession } from '../src/user-session';

// The whole product as a user meets it: `webstream all`, the demo user's workspace launched through the
// gateway, its xterm streamed over the gateway's WebSockets with real x11 capture, typed into, and released.
describe('a session from launch to release, through every service', () => {
  let stack: AllInOne;

  beforeAll(async () => {
    stack = await startAllInOne('session-flow');
  });

  afterAll(() => stack?.stop());

  it('streams the demo xterm, types a command into it, and leaves nothing running once released', async () => {
    const { dir, gatewayUrl, run } = stack;
    const token = await signIn(gatewayUrl, 'demo', stack.passwordOf('demo'));
    const session = await UserSession.launch(gatewayUrl, token, run.output);
    expect(session.frames[0]).toMatchObject({ width: 1280 });
    const streamer = await streamerOf(dir, session.sessionId);
    expect(streamer.environ).not.toContain(session.sessionId);
    expect(streamer.environ).not.toMatch(/WEBSTREAM__|TOKEN|SECRET/i);

    // A probe typed key by key into the xterm's shell: what the application can see of the machine, written
    // into its home.
    const before = session.frames.length;
    const installRoot = join(__dirname, '..', '..');
    session.type(
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
    expect(session.frames.length).toBeGreaterThan(before);
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

    const members = await groupMembers(streamer.pgid);
    const group = members.map((member) => member.name).join(' ');
    expect(group).toMatch(/Xvfb/);
    expect(group).toMatch(/ffmpeg/);
    // Everything the streamer started (display, capture, input, clipboard, sound, the sandbox) runs as the
    // session's uid: what the application sends them cannot reach the streamer's privileges.
    for (const member of members.filter((member) => member.pid !== streamer.pid)) {
      const status = readFileSync(`/proc/${member.pid}/status`, 'utf8');
      expect(`${member.name} ${/^Uid:\s+(\d+)/m.exec(status)?.[1]}`).toBe(`${member.name} ${uid}`);
    }
    await session.release();
    expect(await session.closed).toBe(4012);
    await until(
      'every process of the session to end',
      async () => ((await groupMembers(streamer.pgid)).length === 0 ? true : undefined),
      15_000,
    );
    expect(await session.status()).toMatchObject({ state: 'ended', endedReason: 'session-ended' });
  });
});
