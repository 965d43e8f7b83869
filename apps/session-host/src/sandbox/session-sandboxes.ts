import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, statSync } from 'node:fs';
import { chown, mkdir, readdir, rm } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { type SessionLimits, type SessionSandbox, type WorkspaceContract } from '@webstream/contracts';
import { InjectConfig } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { HostFacts, onPath } from '../host/host-facts';
import { type CgroupLimiter, type LimitEnforcement, openCgroupLimiter } from './session-cgroups';
import { SessionIdentities } from './session-identities';

/** The programs a sandboxed session needs besides its application. */
export const SANDBOX_TOOLS = ['bwrap', 'setpriv', 'prlimit'] as const;
const X11_SOCKET_DIR = '/tmp/.X11-unix';
const PROBE_TIMEOUT_MS = 10_000;

export type SandboxState =
  | { kind: 'sandboxed'; enforcement: LimitEnforcement; limitsWhy?: string }
  | { kind: 'unsandboxed' }
  | { kind: 'unavailable'; reason: string };

/** A session's sandbox, made before its streamer starts and undone once all of it is gone. */
export interface PreparedSandbox {
  spec: SessionSandbox | null;
  release(): Promise<void>;
}

/** The install, whose files (and .data beside them) no session may see. */
function installRoot(): string {
  return resolve(dirname(require.resolve('@webstream/streamer-agent/package.json')), '..', '..');
}

/** A user name the application's passwd entry can hold: the IAM name where it fits, else u<uid>. */
export function sandboxUsername(username: string, uid: number): string {
  const name = username.toLowerCase();
  return /^[a-z_][a-z0-9_-]{0,31}$/.test(name) ? name : `u${uid}`;
}

/** The policy's limits over the host's defaults, no more than the machine has. */
export function sessionLimits(defaults: SessionLimits, contract: WorkspaceContract): SessionLimits {
  const limits = { ...defaults, ...contract.policy.sandbox?.limits };
  return {
    ...limits,
    memoryMb: Math.min(limits.memoryMb, Math.floor(totalmem() / (1024 * 1024))),
    cpus: Math.min(limits.cpus, cpus().length),
  };
}

/**
 * Every session's application runs as an unprivileged uid of its own inside bubblewrap, within limits
 * (README "Session isolation"). This host finds out at start whether it can do that; if it cannot (and
 * sessionHost.sandbox.mode is not none), it refuses sessions rather than starting one unsandboxed.
 */
@Injectable()
export class SessionSandboxes implements OnModuleInit {
  private state: SandboxState = { kind: 'unavailable', reason: 'the sandbox was not probed yet' };
  private identities: SessionIdentities | undefined;
  private limiter: CgroupLimiter | undefined;
  private readonly hidden = [installRoot()];

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    private readonly facts: HostFacts,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(SessionSandboxes.name);
  }

  get status(): SandboxState {
    return this.state;
  }

  /** Why this host cannot take sessions now, for /getConnection's 503 and /health; undefined when it can. */
  get problem(): string | undefined {
    if (this.state.kind !== 'unavailable' || !this.applicationsRun) return undefined;
    return this.state.reason;
  }

  /** Applications run only with a real display: a synthetic picture starts none, so needs no sandbox. */
  private get applicationsRun(): boolean {
    return this.config.streamer.captureSource !== 'synthetic' && this.facts.missingCaptureTools.length === 0;
  }

  async onModuleInit(): Promise<void> {
    const { sandbox } = this.config.sessionHost;
    if (sandbox.mode === 'none') {
      this.state = { kind: 'unsandboxed' };
      this.logger.warn(
        { sandbox: 'none' },
        'sessionHost.sandbox.mode is none: applications run unsandboxed, as this service’s own user, and can reach its secrets, other sessions and the whole host',
      );
      return;
    }
    const missing = this.canSandbox();
    if (missing !== undefined) {
      this.state = { kind: 'unavailable', reason: missing };
      this.logger.error({ sandbox: sandbox.mode }, `sessions are refused: ${missing}`);
      return;
    }
    this.identities = await SessionIdentities.open(sandbox.uidRange, resolve(sandbox.homeRoot), [
      process.getuid?.() ?? 0,
    ]);
    const closed = closedFolderAbove(resolve(sandbox.homeRoot));
    if (closed !== undefined) {
      const reason = `sessionHost.sandbox.homeRoot ${resolve(sandbox.homeRoot)} cannot be reached by session users: ${closed} is not searchable by others (chmod o+x ${closed}, or choose another homeRoot)`;
      this.state = { kind: 'unavailable', reason };
      this.logger.error({ sandbox: sandbox.mode }, `sessions are refused: ${reason}`);
      return;
    }
    await this.prepareFolders();
    let limitsWhy: string | undefined;
    try {
      const limiter = await openCgroupLimiter();
      await this.removeStaleGroups(limiter);
      this.limiter = limiter;
    } catch (error) {
      limitsWhy = `cgroups cannot be used here (${error instanceof Error ? error.message : String(error)})`;
    }
    const enforcement = this.limiter?.enforcement ?? 'rlimits';
    this.state = { kind: 'sandboxed', enforcement, ...(limitsWhy ? { limitsWhy } : {}) };
    this.logger.info(
      { sandbox: 'bubblewrap', limits: enforcement, ...(limitsWhy ? { why: limitsWhy } : {}) },
      enforcement === 'rlimits'
        ? 'sessions run in bubblewrap; their limits are rlimits (processes per uid, address space, open files, file size): CPU is not bounded'
        : `sessions run in bubblewrap; their memory, processes and CPU are bounded by ${enforcement}`,
    );
  }

  /** Undefined when this host can sandbox, else what is missing, naming the key and the tool. */
  private canSandbox(): string | undefined {
    const mode = `sessionHost.sandbox.mode is ${this.config.sessionHost.sandbox.mode}`;
    const missing = SANDBOX_TOOLS.filter((tool) => !onPath(tool, process.env.PATH));
    if (missing.length > 0) {
      return `${mode} but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not installed (Debian: apt-get install bubblewrap util-linux)`;
    }
    if (process.getuid?.() !== 0) {
      return `${mode} but the session host runs as uid ${process.getuid?.()}, not root: it cannot start applications as users of their own`;
    }
    const uid = String(this.config.sessionHost.sandbox.uidRange.first);
    const probe = spawnSync(
      'setpriv',
      [
        '--reuid',
        uid,
        '--regid',
        uid,
        '--clear-groups',
        '--',
        'bwrap',
        '--unshare-all',
        '--ro-bind',
        '/',
        '/',
        'true',
      ],
      { env: { PATH: process.env.PATH }, timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' },
    );
    if (probe.status !== 0) {
      const why = (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim();
      return `${mode} but bubblewrap cannot make a sandbox here (${why}): unprivileged user namespaces must be allowed (README "Session isolation")`;
    }
    return undefined;
  }

  private async prepareFolders(): Promise<void> {
    // Xvfb, started as a session's uid, would otherwise create the socket folder as that user, who could then
    // remove every other session's socket.
    mkdirSync(X11_SOCKET_DIR, { recursive: true });
    chownSync(X11_SOCKET_DIR, 0, 0);
    chmodSync(X11_SOCKET_DIR, 0o1777);
    // Searchable but not listable: a session reaches its own folder by name and cannot see the others.
    await mkdir(resolve(this.config.sessionHost.sandbox.runtimeRoot), { recursive: true, mode: 0o711 });
    await mkdir(this.runtimeRoot, { recursive: true, mode: 0o711 });
    for (const stale of await readdir(this.runtimeRoot)) {
      await rm(join(this.runtimeRoot, stale), { recursive: true, force: true });
    }
  }

  /** This host's own folder of runtimeRoot: several hosts may share a machine (and a test run). */
  private get runtimeRoot(): string {
    return join(resolve(this.config.sessionHost.sandbox.runtimeRoot), `host-${this.config.sessionHost.port}`);
  }

  /** Groups of this host's sessions are named with this, so a restarted host finds what its last run left. */
  private get groupPrefix(): string {
    return `host-${this.config.sessionHost.port}-`;
  }

  /**
   * Ends what a previous run of this host left in its groups (it died without ending its sessions), then proves
   * a group can be made, limited and removed before the first session needs one.
   */
  private async removeStaleGroups(limiter: CgroupLimiter): Promise<void> {
    const swept = await limiter.sweep(this.groupPrefix);
    if (swept > 0) this.logger.warn({ groups: swept }, 'ended the sessions a previous run of this host left');
    const probe = await limiter.create(`${this.groupPrefix}probe`, this.config.sessionHost.sandbox.limits);
    await probe.remove();
  }

  /** The session's identity, home, runtime folder and cgroup; throws when the host cannot sandbox it. */
  async prepare(sessionId: string, contract: WorkspaceContract): Promise<PreparedSandbox> {
    if (this.state.kind === 'unsandboxed' || !this.applicationsRun) {
      return { spec: null, release: () => Promise.resolve() };
    }
    if (this.state.kind === 'unavailable' || this.identities === undefined) {
      throw new Error(this.problem ?? 'the sandbox is unavailable');
    }
    const identities = this.identities;
    const settings = this.config.sessionHost.sandbox;
    const home = contract.policy.sandbox?.home ?? settings.home;
    const uid = home === 'persistent' ? await identities.forUser(contract.userId) : identities.lend();
    const limits = sessionLimits(settings.limits, contract);
    const runtimeDir = join(this.runtimeRoot, sessionId);
    // An ephemeral home is a size-bounded tmpfs of the sandbox's own, gone with it.
    const homeDir = home === 'persistent' ? join(resolve(settings.homeRoot), String(uid)) : null;
    const undo: (() => Promise<void>)[] = [];
    const release = async (): Promise<void> => {
      for (const step of undo.reverse()) await step();
    };
    try {
      if (home === 'ephemeral') undo.push(() => Promise.resolve(identities.giveBack(uid)));
      await ownedFolder(runtimeDir, uid);
      undo.push(() => rm(runtimeDir, { recursive: true, force: true }));
      if (homeDir !== null) await ownedFolder(homeDir, uid);
      const group = await this.limiter?.create(
        `${this.groupPrefix}${sessionId}-${randomBytes(4).toString('hex')}`,
        limits,
      );
      if (group) undo.push(() => group.remove());
      return {
        spec: {
          uid,
          gid: uid,
          username: sandboxUsername(contract.username, uid),
          home: homeDir,
          runtimeDir,
          network: contract.policy.sandbox?.network ?? settings.network,
          limits,
          cgroupProcs: group?.procs ?? [],
          hiddenPaths: this.hidden,
        },
        release,
      };
    } catch (error) {
      await release();
      throw error;
    }
  }
}

async function ownedFolder(path: string, uid: number): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chown(path, uid, uid);
}

/**
 * The first folder on the way to `path` (itself included) that other users may not search. bubblewrap binds a
 * persistent home as the session's uid, by its path: each folder above it must let that uid through.
 */
function closedFolderAbove(path: string): string | undefined {
  for (let folder = path; ; folder = dirname(folder)) {
    if ((statSync(folder).mode & 0o001) === 0) return folder;
    if (dirname(folder) === folder) return undefined;
  }
}
