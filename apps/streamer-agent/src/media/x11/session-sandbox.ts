import { existsSync, lstatSync, openSync, writeFileSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type SessionSandbox } from '@webstream/contracts';

/** What of /etc an application needs to run (libraries, fonts, locale, names, certificates), and nothing else. */
const ETC_ALLOWED = [
  'alternatives',
  'fonts',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'timezone',
  'X11',
  'ssl',
  'ca-certificates',
  'resolv.conf',
  'hosts',
  'nsswitch.conf',
  'host.conf',
  'mime.types',
  'xdg',
  'locale.alias',
  'locale.conf',
  'bash.bashrc',
  'profile',
  'inputrc',
  'terminfo',
  'gtk-3.0',
  'pulse',
];
const PATH = '/usr/local/bin:/usr/bin:/bin';
/** Wraps a program so that it starts inside the session's cgroups: written in as root, then exec. */
const JOIN_CGROUPS =
  'for f do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; shift; done; shift; exec "$@"';

/** A program to start: its command line, and descriptors it is handed from 3 on. */
export interface SessionCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  fds: (number | Buffer)[];
}

/**
 * How the streamer starts a helper (capture, input, clipboard, sound, resize): its environment and, in a
 * sandbox, the session's uid and gid and cgroups. Each one reads what the session's programs put on the display
 * or in the clipboard, so none of them holds more than the session does, and what they use is the session's.
 */
export interface HelperSpawn {
  env: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  cgroupProcs?: readonly string[];
}

/** What child_process takes of a HelperSpawn. */
export function spawnOptions(spawnAs: HelperSpawn): Pick<HelperSpawn, 'env' | 'uid' | 'gid'> {
  return { env: spawnAs.env, uid: spawnAs.uid, gid: spawnAs.gid };
}

/**
 * Moves a helper just started into the session's cgroups (it ran outside them for the moment it took to get
 * here). A helper that is gone already needs nothing.
 */
export function enterSessionCgroups(spawnAs: HelperSpawn, pid: number | undefined): void {
  if (pid === undefined) return;
  for (const procs of spawnAs.cgroupProcs ?? []) {
    try {
      writeFileSync(procs, String(pid));
    } catch {
      // Exited already, or the group is being removed with the session.
    }
  }
}

/** Where the application finds its display and sound inside the sandbox (or on the host, unsandboxed). */
export interface SessionPaths {
  runtimeDir: string;
  authFile: string;
  pulseServer: string | undefined;
}

/**
 * How the session's programs are started: the X server and PulseAudio as the session's uid in its cgroups, the
 * application inside bubblewrap (README "Session isolation"), with an environment built from an allow-list.
 * Without a sandbox (sessionHost.sandbox.mode none) only the allow-list applies.
 */
export class SessionSandboxRunner {
  constructor(
    readonly sandbox: SessionSandbox | null,
    private readonly streamerEnv: NodeJS.ProcessEnv,
  ) {}

  /** The environment of the session's daemons and the streamer's helpers: no secret reaches them either. */
  helperEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { ...this.locale(), PATH: this.streamerEnv.PATH ?? PATH, ...extra };
  }

  /** A helper of the streamer: the allow-listed environment, as the session's uid when sandboxed. */
  helper(extra: Record<string, string>): HelperSpawn {
    const env = this.helperEnv(extra);
    if (this.sandbox === null) return { env };
    const { uid, gid, cgroupProcs } = this.sandbox;
    return { env, uid, gid, cgroupProcs };
  }

  /** A folder of the runtime folder, owned by the session's uid (PulseAudio's runtime and home). */
  async ownedFolder(path: string): Promise<void> {
    await mkdir(path, { recursive: true, mode: 0o700 });
    if (this.sandbox !== null) await chown(path, this.sandbox.uid, this.sandbox.gid);
  }

  /** A file the session's uid must read (its X authority). */
  async own(path: string): Promise<void> {
    if (this.sandbox !== null) await chown(path, this.sandbox.uid, this.sandbox.gid);
  }

  /** A daemon of the session (Xvfb, PulseAudio): its uid, its cgroups, no sandbox of its own. */
  daemon(command: string, args: string[], env: NodeJS.ProcessEnv): SessionCommand {
    if (this.sandbox === null) return { command, args, env, fds: [] };
    return { ...this.asSessionUser([command, ...args]), env, fds: [] };
  }

  /** The application, in bubblewrap: the paths it is given are where it finds the display and sound. */
  application(command: string, args: string[], display: string, paths: SessionPaths): SessionCommand {
    const { sandbox } = this;
    if (sandbox === null) {
      const env = this.applicationEnv(display, paths, {
        HOME: this.streamerEnv.HOME ?? paths.runtimeDir,
        USER: this.streamerEnv.USER ?? 'webstream',
        XDG_RUNTIME_DIR: paths.runtimeDir,
      });
      return { command, args, env, fds: [] };
    }
    const home = `/home/${sandbox.username}`;
    const runtime = `/run/user/${sandbox.uid}`;
    const inside: SessionPaths = {
      runtimeDir: runtime,
      authFile: join(runtime, 'Xauthority'),
      pulseServer: paths.pulseServer === undefined ? undefined : `unix:${join(runtime, 'pulse', 'native')}`,
    };
    const env = this.applicationEnv(display, inside, {
      HOME: home,
      USER: sandbox.username,
      XDG_RUNTIME_DIR: runtime,
    });
    const fds: (number | Buffer)[] = [];
    const fd = (value: number | Buffer): string => String(3 + fds.push(value) - 1);
    const shell = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
    const bwrap = [
      'bwrap',
      '--unshare-all',
      ...(sandbox.network === 'host' ? ['--share-net'] : []),
      '--die-with-parent',
      // No TIOCSTI into a terminal outside: the application gets a session of its own.
      '--new-session',
      '--hostname',
      'webstream',
      ...systemBinds(),
      ...ETC_ALLOWED.flatMap((name) => ['--ro-bind-try', `/etc/${name}`, `/etc/${name}`]),
      '--ro-bind-data',
      fd(Buffer.from(passwd(sandbox, home, shell))),
      '/etc/passwd',
      '--ro-bind-data',
      fd(Buffer.from(`root:x:0:\n${sandbox.username}:x:${sandbox.gid}:\n`)),
      '/etc/group',
      ...sandbox.hiddenPaths
        .filter((path) => path.startsWith('/usr/') || path.startsWith('/etc/'))
        .flatMap((path) => ['--tmpfs', path]),
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--tmpfs',
      '/tmp',
      '--tmpfs',
      '/run',
      '--dir',
      '/tmp/.X11-unix',
      '--bind',
      x11Socket(display),
      x11Socket(display),
      '--bind',
      sandbox.runtimeDir,
      runtime,
      ...(sandbox.home === null
        ? ['--size', String(sandbox.limits.homeDiskMb * 1024 * 1024), '--tmpfs', home]
        : // By descriptor: the folder the streamer opened is the one bound, whatever its path becomes.
          ['--bind-fd', fd(openSync(sandbox.home, 'r')), home]),
      '--chdir',
      home,
      '--clearenv',
      ...Object.entries(env).flatMap(([key, value]) => ['--setenv', key, value]),
      '--',
      command,
      ...args,
    ];
    // Only what finds setpriv, prlimit and bwrap: bwrap starts the application with `env` alone.
    return { ...this.asSessionUser(bwrap, this.rlimits()), env: { PATH }, fds };
  }

  /**
   * sh (as the streamer, which may write cgroup.procs) puts itself in the session's cgroups, then becomes the
   * session's uid (no supplementary groups, no new privileges), then within its rlimits runs the program.
   */
  private asSessionUser(program: string[], rlimits: string[] = []): { command: string; args: string[] } {
    const sandbox = this.sandbox!;
    const id = String(sandbox.uid);
    return {
      command: '/bin/sh',
      args: [
        '-c',
        JOIN_CGROUPS,
        'webstream-session',
        ...sandbox.cgroupProcs,
        '--',
        'setpriv',
        '--reuid',
        id,
        '--regid',
        String(sandbox.gid),
        '--clear-groups',
        '--no-new-privs',
        '--',
        ...(rlimits.length > 0 ? ['prlimit', ...rlimits, '--'] : []),
        ...program,
      ],
    };
  }

  /** Open files and file size always; processes and memory too where no cgroup bounds them. */
  private rlimits(): string[] {
    const { limits, cgroupProcs } = this.sandbox!;
    const both = (name: string, value: number) => `--${name}=${value}:${value}`;
    const args = [both('nofile', limits.openFiles), both('fsize', limits.homeDiskMb * 1024 * 1024)];
    if (cgroupProcs.length === 0) {
      args.push(both('nproc', limits.processes), both('as', limits.memoryMb * 1024 * 1024));
    }
    return args;
  }

  private applicationEnv(
    display: string,
    paths: SessionPaths,
    identity: { HOME: string; USER: string; XDG_RUNTIME_DIR: string },
  ): Record<string, string> {
    const shell = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
    return {
      ...this.locale(),
      PATH,
      DISPLAY: display,
      XAUTHORITY: paths.authFile,
      ...(paths.pulseServer === undefined ? {} : { PULSE_SERVER: paths.pulseServer }),
      ...identity,
      LOGNAME: identity.USER,
      SHELL: shell,
    };
  }

  /** LANG, LC_* and TZ as the host has them; C.UTF-8 when it sets no language. */
  private locale(): Record<string, string> {
    const locale: Record<string, string> = { LANG: this.streamerEnv.LANG ?? 'C.UTF-8' };
    for (const [key, value] of Object.entries(this.streamerEnv)) {
      if ((/^LC_[A-Z]+$/.test(key) || key === 'TZ' || key === 'TERM') && value !== undefined) {
        locale[key] = value;
      }
    }
    return locale;
  }
}

function passwd(sandbox: SessionSandbox, home: string, shell: string): string {
  return [
    'root:x:0:0:root:/root:/usr/sbin/nologin',
    `${sandbox.username}:x:${sandbox.uid}:${sandbox.gid}:${sandbox.username}:${home}:${shell}`,
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    '',
  ].join('\n');
}

/** ':3' → /tmp/.X11-unix/X3, the display's socket. */
function x11Socket(display: string): string {
  return `/tmp/.X11-unix/X${display.replace(/^:/, '').split('.')[0]}`;
}

/**
 * The system's programs and libraries, read-only: /usr, and /bin, /lib… as the host has them (links into /usr
 * on a merged-/usr system, folders otherwise).
 */
function systemBinds(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const name of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const path = `/${name}`;
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) args.push('--symlink', `usr/${name}`, path);
      else if (stat.isDirectory()) args.push('--ro-bind', path, path);
    } catch {
      // Not on this system.
    }
  }
  return args;
}
