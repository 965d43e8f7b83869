import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { closeCodes, type StreamerLaunch, type WorkspacePolicy } from '@webstream/contracts';
import { SessionEnd } from '../session/session-end';
import { InjectStreamerLaunch } from '../session/streamer-launch';
import { ClientHub } from '../streaming/client-hub';

const TICK_MS = 250;

/**
 * The policy's clocks: the idle timeout counted from the user's last real input, the maximum session
 * duration, and a drain deadline from the session host — each announced sessionWarningSeconds ahead on the
 * control channel, then enforced by ending the session with its close code.
 */
@Injectable()
export class PolicyClock implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly policy: WorkspacePolicy;
  private readonly startedAt = Date.now();
  private lastInputAt = Date.now();
  private idleWarned = false;
  private durationWarned = false;
  private drainDeadline?: number;
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectStreamerLaunch() launch: StreamerLaunch,
    private readonly hub: ClientHub,
    private readonly sessionEnd: SessionEnd,
  ) {
    this.policy = launch.contract.policy;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Real input from the user (not pings, not refused messages). */
  inputSeen(): void {
    this.lastInputAt = Date.now();
    this.idleWarned = false;
  }

  /** The session host is shutting down: the session ends in secondsLeft, and the user is told now. */
  drain(secondsLeft: number): Date {
    const deadline = Date.now() + secondsLeft * 1000;
    this.drainDeadline = Math.min(this.drainDeadline ?? deadline, deadline);
    this.hub.notice(
      'session-ending',
      `This host is shutting down: the session ends in ${secondsLeft} s. Save your work.`,
      secondsLeft,
    );
    this.tick();
    return new Date(this.drainDeadline);
  }

  private tick(): void {
    if (this.sessionEnd.ended) return;
    const now = Date.now();
    const { idleTimeoutSeconds, maxSessionSeconds, sessionWarningSeconds } = this.policy;
    if (this.drainDeadline !== undefined && now >= this.drainDeadline) {
      this.sessionEnd.end(closeCodes.GOING_AWAY, 'the session host is shutting down');
      return;
    }
    if (idleTimeoutSeconds > 0) {
      const idleMs = now - this.lastInputAt;
      const leftMs = idleTimeoutSeconds * 1000 - idleMs;
      if (leftMs <= 0) {
        this.sessionEnd.end(closeCodes.IDLE_TIMEOUT, `no input for ${idleTimeoutSeconds} s`);
        return;
      }
      if (!this.idleWarned && sessionWarningSeconds > 0 && leftMs <= sessionWarningSeconds * 1000) {
        this.idleWarned = true;
        const secondsLeft = Math.ceil(leftMs / 1000);
        this.hub.notice(
          'idle-warning',
          `No input for a while: the session ends in ${secondsLeft} s unless you use it.`,
          secondsLeft,
        );
      }
    }
    if (maxSessionSeconds > 0) {
      const leftMs = maxSessionSeconds * 1000 - (now - this.startedAt);
      if (leftMs <= 0) {
        this.sessionEnd.end(
          closeCodes.MAX_SESSION_DURATION,
          `the session reached its maximum of ${maxSessionSeconds} s`,
        );
        return;
      }
      if (!this.durationWarned && sessionWarningSeconds > 0 && leftMs <= sessionWarningSeconds * 1000) {
        this.durationWarned = true;
        const secondsLeft = Math.ceil(leftMs / 1000);
        this.hub.notice(
          'session-ending',
          `The session reaches its time limit in ${secondsLeft} s. Save your work.`,
          secondsLeft,
        );
      }
    }
  }
}
