import { AsyncResource } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ConflictException,
  ForbiddenException,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import { configOverrides, type WebstreamConfig } from '@webstream/config';
import { type StreamerConnection, type CloseReason, type WorkspaceContract } from '@webstream/contracts';
import { currentTraceparent, InjectConfig } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { InjectSessionHostOptions, type SessionHostOptions } from '../host/session-host-options';
import { type PreparedSandbox, SessionSandboxes } from '../sandbox/session-sandboxes';
import { SessionPool } from './session-pool';
import { StreamerLauncher } from './streamer-launcher';
import { type StreamerExit, type StreamerProcess } from './streamer-process';
import { StreamerSpools } from './streamer-spools';
import { describeExit, type SupervisedSession } from './supervised-session';
import { SessionMessenger } from './session-messenger';
import { UsageReporter } from './usage-reporter';

/** The trace context of the request being served (the gateway's /getConnection), for the streamer it starts. */
function traceOfThisRequest(): { traceparent?: string } {
  const traceparent = currentTraceparent();
  return traceparent === undefined ? {} : { traceparent };
}

/** How often a starting streamer's /health/ready is asked. */
export const READY_POLL_MS = 100;
/** Between SIGTERM to a streamer's process group and SIGKILL to what is left of it. */
export const DEFAULT_KILL_GRACE_MS = 3_000;
/**
 * After the drain: ending what is left, unregistering and flushing telemetry. main.ts gives the whole
 * shutdown sessionHost.drainTimeout plus this.
 */
export const AFTER_DRAIN_SECONDS = 20;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The session pool: one streamer process per session, started on /getConnection and watched for its whole
 * life. A streamer that exits (for any reason) ends its session: its process group is ended, its slot freed and
 * its usage closed. On shutdown the streamers are asked to drain, and whatever is left is ended.
 */
@Injectable()
export class SessionSupervisor implements OnModuleInit, OnApplicationShutdown {
  private readonly sessions = new Map<string, SupervisedSession>();
  /** Every streamer whose process group may still be alive, for the last-resort kill at process exit. */
  private readonly live = new Set<StreamerProcess>();
  private readonly endings = new Set<Promise<void>>();
  private readonly pool: SessionPool;
  /** The host's WEBSTREAM__* overrides, which each streamer gets in its launch rather than its environment. */
  private readonly configOverrides = configOverrides();
  private readonly readyTimeoutMs: number;
  private readonly drainSeconds: number;
  private readonly killGraceMs: number;
  private draining = false;
  private drained: Promise<void> | undefined;
  /** Outside any request: a streamer's exit is logged without the correlation id of the call that started it. */
  private readonly background = new AsyncResource('SessionSupervisor');
  private readonly killAllNow = () => {
    for (const streamer of this.live) streamer.killNow();
  };

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    @InjectSessionHostOptions() options: SessionHostOptions,
    private readonly messenger: SessionMessenger,
    private readonly launcher: StreamerLauncher,
    private readonly usage: UsageReporter,
    private readonly spools: StreamerSpools,
    private readonly sandboxes: SessionSandboxes,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(SessionSupervisor.name);
    const { sessionHost, streamer } = config;
    this.pool = new SessionPool(sessionHost.maxSessions, streamer.basePort);
    this.readyTimeoutMs = sessionHost.streamerReadyTimeout * 1000;
    this.drainSeconds = sessionHost.drainTimeout;
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  onModuleInit(): void {
    // If the process exits without a shutdown (a crash, a forced exit), no streamer outlives it.
    process.on('exit', this.killAllNow);
  }

  get activeSessions(): number {
    return this.pool.inUse;
  }

  get maxSessions(): number {
    return this.pool.maxSessions;
  }

  get isFull(): boolean {
    return this.pool.isFull;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * The session's streamer: the running one (a reconnect), the one being started (concurrent calls share a
   * start), or a new one in a free slot.
   */
  async connect(sessionId: string, contract: WorkspaceContract): Promise<StreamerConnection> {
    const existing = this.sessions.get(sessionId);
    if (existing !== undefined) {
      if (existing.contract.userId !== contract.userId) {
        this.logger.warn(
          { sessionId, userId: contract.userId, ownerId: existing.contract.userId },
          'refused a connection to another user’s session',
        );
        throw new ForbiddenException(`session ${sessionId} belongs to another user`);
      }
      await existing.ready;
      return this.messenger.connection(existing);
    }
    if (this.draining) {
      throw new ServiceUnavailableException('this session host is shutting down and takes no new sessions');
    }
    const unsandboxable = this.sandboxes.problem;
    if (unsandboxable !== undefined) throw new ServiceUnavailableException(unsandboxable);
    const place = this.pool.take();
    if (place === undefined) {
      throw new ConflictException(
        `this session host already runs its maximum of ${this.pool.maxSessions} sessions (sessionHost.maxSessions)`,
      );
    }
    const streamerGuid = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    let streamer: StreamerProcess;
    let sandbox: PreparedSandbox;
    try {
      sandbox = await this.sandboxes.prepare(sessionId, contract);
    } catch (error) {
      this.pool.release(place.slot);
      this.logger.error({ err: error, sessionId }, 'could not prepare the session’s sandbox');
      throw new ServiceUnavailableException(
        `the sandbox for session ${sessionId} could not be prepared: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    try {
      streamer = this.launcher.launch({
        sessionId,
        streamerGuid,
        port: place.port,
        contract,
        address: this.messenger.streamerHost,
        streamerSecret: secret,
        sandbox: sandbox.spec,
        configOverrides: this.configOverrides,
        ...traceOfThisRequest(),
      });
    } catch (error) {
      this.pool.release(place.slot);
      await sandbox.release();
      this.logger.error({ err: error, sessionId, port: place.port }, 'could not start a streamer');
      throw new ServiceUnavailableException(`the streamer for session ${sessionId} could not be started`);
    }
    this.live.add(streamer);
    const session: SupervisedSession = {
      sessionId,
      streamerGuid,
      slot: place.slot,
      port: place.port,
      contract,
      process: streamer,
      secret,
      sandbox,
      state: 'starting',
      ready: Promise.resolve(),
    };
    session.ready = this.start(session);
    // Whoever waits sees the failure; this branch only keeps it from counting as unhandled.
    session.ready.catch(() => undefined);
    this.sessions.set(sessionId, session);
    this.background.runInAsyncScope(() => void streamer.exited.then((exit) => this.exited(session, exit)));
    await session.ready;
    return this.messenger.connection(session);
  }

  /**
   * Stops taking sessions, asks every streamer to end its session within sessionHost.drainTimeout, waits for
   * them (at most that long), then ends the rest. Idempotent: every caller waits for the same drain.
   */
  drain(): Promise<void> {
    this.draining = true;
    this.drained ??= this.runDrain();
    return this.drained;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.drain();
    await Promise.all(this.endings);
    await this.usage.close();
    process.off('exit', this.killAllNow);
  }

  private async start(session: SupervisedSession): Promise<void> {
    const begun = Date.now();
    const { sessionId, streamerGuid, port, process: streamer } = session;
    this.logger.info({ sessionId, streamerGuid, port, pid: streamer.pid }, 'starting the session’s streamer');
    const failure = await this.waitReady(session);
    if (failure === undefined && session.state === 'starting') {
      session.state = 'running';
      session.startedAt = new Date();
      this.usage.sessionStarted(sessionId, session.contract, session.startedAt);
      this.logger.info(
        {
          sessionId,
          streamerGuid,
          port,
          pid: streamer.pid,
          userId: session.contract.userId,
          workspaceId: session.contract.workspaceId,
          appId: session.contract.appId,
          startupMs: Date.now() - begun,
        },
        'session started',
      );
      return;
    }
    const reason = failure ?? 'the session ended while its streamer was starting';
    this.logger.error(
      { sessionId, streamerGuid, port, pid: streamer.pid, stderr: streamer.stderrTail() },
      `the session’s streamer did not start: ${reason}`,
    );
    await this.end(session, reason);
    throw new ServiceUnavailableException(`the streamer for session ${sessionId} did not start: ${reason}`);
  }

  /** Undefined once the streamer answers 200 on /health/ready, else why it never will. */
  private async waitReady(session: SupervisedSession): Promise<string | undefined> {
    const streamer = session.process;
    const deadline = Date.now() + this.readyTimeoutMs;
    for (;;) {
      if (streamer.hasExited) {
        return `it exited before it was ready (${describeExit(await streamer.exited)})`;
      }
      if (session.state !== 'starting') return 'the session host is shutting down';
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        return `it was not ready within ${this.config.sessionHost.streamerReadyTimeout} s (sessionHost.streamerReadyTimeout)`;
      }
      // Not listening yet, or not ready: asked again.
      if (await this.messenger.isReady(session, Math.max(50, Math.min(1_000, remaining)))) return undefined;
      await Promise.race([sleep(READY_POLL_MS), streamer.exited]);
    }
  }

  private exited(session: SupervisedSession, exit: StreamerExit): void {
    // A streamer that fails while starting is dealt with by start(); one that is being ended, by end().
    if (session.state !== 'running') return;
    const fields = {
      sessionId: session.sessionId,
      streamerGuid: session.streamerGuid,
      port: session.port,
      pid: session.process.pid,
      exitCode: exit.code,
      signal: exit.signal,
    };
    if (exit.code === 0) this.logger.info(fields, 'the session’s streamer exited');
    else {
      this.logger.warn({ ...fields, stderr: session.process.stderrTail() }, 'the session’s streamer exited');
      // A streamer that ends its session tells the gateway itself; one that crashed or was killed cannot.
      void this.messenger.reportLost(session);
    }
    void this.end(session, `the streamer exited (${describeExit(exit)})`);
  }

  /**
   * The gateway ended the session: its streamer is asked to tell its clients why and exit, and whatever of it
   * is still running after the kill grace is ended with its process group.
   */
  async endSession(sessionId: string, reason: CloseReason): Promise<boolean> {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return false;
    await this.messenger.askToEnd(session, reason);
    await Promise.race([session.process.exited, sleep(this.killGraceMs)]);
    await this.end(session, `the gateway ended the session (${reason})`);
    return true;
  }

  /** Ends a session once: its streamer's whole process group, then its slot, then its usage. */
  private end(session: SupervisedSession, reason: string): Promise<void> {
    if (session.ending === undefined) {
      session.ending = this.finish(session, reason);
      const ending = session.ending;
      this.endings.add(ending);
      void ending.finally(() => this.endings.delete(ending));
    }
    return session.ending;
  }

  private async finish(session: SupervisedSession, reason: string): Promise<void> {
    if (this.sessions.get(session.sessionId) === session) this.sessions.delete(session.sessionId);
    const wasRunning = session.state === 'running';
    session.state = 'ending';
    const streamer = session.process;
    let outcome: Awaited<ReturnType<StreamerProcess['stop']>>;
    try {
      outcome = await streamer.stop(this.killGraceMs);
    } catch (error) {
      this.logger.error(
        { err: error, sessionId: session.sessionId },
        'could not end the streamer’s processes',
      );
      outcome = 'stuck';
    }
    if (outcome !== 'stuck') {
      this.live.delete(streamer);
      this.spools.streamerGone(session.sessionId);
    }
    try {
      await session.sandbox.release();
    } catch (error) {
      this.logger.error({ err: error, sessionId: session.sessionId }, 'could not undo the session’s sandbox');
    }
    this.pool.release(session.slot);
    const exit = streamer.hasExited ? await streamer.exited : undefined;
    const fields = {
      sessionId: session.sessionId,
      streamerGuid: session.streamerGuid,
      port: session.port,
      pid: streamer.pid,
      exitCode: exit?.code ?? null,
      signal: exit?.signal ?? null,
      processGroup: outcome,
      reason,
    };
    if (outcome === 'stuck') {
      this.logger.error(fields, 'processes of the streamer’s group survived SIGKILL');
    }
    if (wasRunning && session.startedAt !== undefined) {
      const endedAt = new Date();
      this.usage.sessionEnded(session.sessionId, session.contract, endedAt);
      this.logger.info(
        { ...fields, durationSeconds: Math.round((endedAt.getTime() - session.startedAt.getTime()) / 1000) },
        'session ended',
      );
    } else {
      this.logger.info(fields, 'streamer stopped before its session started');
    }
  }

  private async runDrain(): Promise<void> {
    const sessions = [...this.sessions.values()];
    if (sessions.length === 0) return;
    const secondsLeft = Math.floor(this.drainSeconds);
    this.logger.info(
      { sessions: sessions.length, secondsLeft: this.drainSeconds },
      'draining: asking the streamers to end their sessions',
    );
    await Promise.all(sessions.map((session) => this.messenger.askToDrain(session, secondsLeft)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(sessions.map((session) => session.process.exited)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.drainSeconds * 1000);
      }),
    ]);
    clearTimeout(timer);
    await Promise.all(
      sessions.map((session) =>
        this.end(
          session,
          session.process.hasExited
            ? 'the streamer ended its session: the host is draining'
            : 'the host is shutting down: sessionHost.drainTimeout passed',
        ),
      ),
    );
  }
}
