import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  type HeartbeatRequest,
  REGISTER_MAX_RETRIES,
  REGISTER_RETRY_INTERVAL_SECONDS,
  type RegisterRequest,
  registerResponseSchema,
} from '@webstream/contracts';
import { InjectConfig } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { HostFacts } from '../host/host-facts';
import { HostLoad } from '../host/host-load';
import { InjectSessionHostOptions, type SessionHostOptions } from '../host/session-host-options';
import { SessionSupervisor } from '../sessions/session-supervisor';
import { HostStatus } from '../status/host-status';
import { describeAnswer, GatewayClient, type PeerAnswer } from '../host/peer-clients';

type HeartbeatOutcome = 'acknowledged' | 'unknown' | 'failed';

function isAuthRefusal(answer: PeerAnswer): boolean {
  return answer.status === 401 || answer.status === 403;
}

/**
 * The host's membership of the gateway (seed 000): register at start (retried every 30 s, up to 10 times),
 * heartbeat every gateway.backend.heartbeatInterval once registered (registering again when the gateway
 * answers 404: it does not know this host), and at shutdown: stop taking sessions, tell the gateway at once
 * (a draining heartbeat), let the sessions drain, then unregister.
 *
 * When every registration attempt failed, the host logs an error and keeps serving (its /health, and any
 * session a gateway still routes to it) rather than exiting: a gateway that is down for longer than the retry
 * window is not this host's fault, and a restart loop would not bring it back sooner. A heartbeat's 404 starts
 * a new round of attempts.
 */
@Injectable()
export class RegistrationService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly serverUrl: string;
  private readonly heartbeatMs: number;
  private readonly retryIntervalMs: number;
  private readonly maxRetries: number;
  private registered = false;
  /** No more registration attempts (shutdown began). */
  private closing = false;
  /** No more heartbeats either (the host is about to unregister). */
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  /** The registration round or heartbeat now running, so that shutdown waits for it. */
  private activity: Promise<void> | undefined;
  private heartbeatFailing = false;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    @InjectSessionHostOptions() options: SessionHostOptions,
    private readonly gateway: GatewayClient,
    private readonly facts: HostFacts,
    private readonly load: HostLoad,
    private readonly status: HostStatus,
    private readonly supervisor: SessionSupervisor,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(RegistrationService.name);
    this.serverUrl = config.sessionHost.serverUrl;
    this.heartbeatMs = config.gateway.backend.heartbeatInterval * 1000;
    this.retryIntervalMs = options.registerRetryIntervalMs ?? REGISTER_RETRY_INTERVAL_SECONDS * 1000;
    this.maxRetries = options.registerMaxRetries ?? REGISTER_MAX_RETRIES;
  }

  onApplicationBootstrap(): void {
    this.activity = this.registerRound();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    // Stops new sessions at once; /health and the heartbeats say draining from now on.
    const drained = this.supervisor.drain();
    this.abort.abort();
    this.cancelWait();
    await this.activity;
    if (this.registered) {
      // Tell the gateway now rather than at the next beat; beats go on (saying draining) while sessions end.
      clearTimeout(this.timer);
      this.activity = this.beat();
      await this.activity;
    }
    await drained;
    this.stopped = true;
    this.cancelWait();
    await this.activity;
    await this.unregister();
  }

  /** The registration body: what this host is and can do. */
  registration(): RegisterRequest {
    return {
      serverUrl: this.serverUrl,
      maxSessions: this.config.sessionHost.maxSessions,
      instanceType: this.facts.instanceType,
      ec2InstanceId: this.facts.ec2InstanceId,
      tags: [...this.config.sessionHost.tags],
      capabilities: [...this.facts.capabilities],
      version: this.facts.version,
      ...(this.config.sessionHost.publicGatewayUrl === undefined
        ? {}
        : { publicGatewayUrl: this.config.sessionHost.publicGatewayUrl }),
    };
  }

  private async registerRound(): Promise<void> {
    const attempts = this.maxRetries + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await this.pause(this.retryIntervalMs);
      if (this.closing) return;
      if (await this.tryRegister(attempt, attempts)) {
        this.registered = true;
        this.heartbeatFailing = false;
        this.scheduleHeartbeat();
        return;
      }
    }
    this.logger.error(
      { gatewayUrl: this.gateway.gatewayUrl, attempts },
      'could not register with the gateway (gateway.backend.gatewayUrl, gateway.backend.token); ' +
        'serving on, but no gateway sends this host sessions until it is registered (restart it to try again)',
    );
  }

  private async tryRegister(attempt: number, attempts: number): Promise<boolean> {
    const answer = await this.gateway.register(this.registration(), this.abort.signal);
    if (answer.status !== undefined && answer.status >= 200 && answer.status < 300) {
      const parsed = registerResponseSchema.safeParse(answer.body);
      const expected = parsed.success ? parsed.data.heartbeatInterval : undefined;
      this.logger.info(
        {
          gatewayUrl: this.gateway.gatewayUrl,
          serverUrl: this.serverUrl,
          attempt,
          heartbeatInterval: expected,
        },
        'registered with the gateway',
      );
      if (expected !== undefined && expected * 1000 < this.heartbeatMs) {
        this.logger.warn(
          { expectedSeconds: expected, heartbeatIntervalSeconds: this.heartbeatMs / 1000 },
          'the gateway expects heartbeats more often than gateway.backend.heartbeatInterval sends them',
        );
      }
      return true;
    }
    if (this.closing) return false;
    const fields = {
      gatewayUrl: this.gateway.gatewayUrl,
      attempt,
      attempts,
      retryInSeconds: attempt < attempts ? this.retryIntervalMs / 1000 : undefined,
      status: answer.status,
      problem: describeAnswer(answer),
    };
    if (isAuthRefusal(answer)) {
      this.logger.error(
        fields,
        'the gateway refused this host’s credential: gateway.backend.token must be the gateway’s gateway.backend.token',
      );
    } else if (answer.status !== undefined && answer.status >= 400 && answer.status < 500) {
      this.logger.error(fields, 'the gateway refused the registration');
    } else {
      this.logger.warn(fields, 'could not register with the gateway (gateway.backend.gatewayUrl)');
    }
    return false;
  }

  private scheduleHeartbeat(): void {
    if (this.stopped || !this.registered) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.activity = this.beat();
    }, this.heartbeatMs);
  }

  private async beat(): Promise<void> {
    const outcome = await this.sendHeartbeat();
    if (outcome === 'unknown' && !this.closing) {
      this.registered = false;
      this.logger.warn(
        { gatewayUrl: this.gateway.gatewayUrl, serverUrl: this.serverUrl },
        'the gateway does not know this host (404): registering again',
      );
      // The new round schedules the heartbeats again once it succeeds.
      await this.registerRound();
      return;
    }
    this.scheduleHeartbeat();
  }

  private async sendHeartbeat(): Promise<HeartbeatOutcome> {
    const report = this.status.report();
    const body: HeartbeatRequest = {
      serverUrl: this.serverUrl,
      status: report.status,
      activeSessions: report.activeSessions,
      maxSessions: report.maxSessions,
      instanceType: this.facts.instanceType,
      tags: [...this.config.sessionHost.tags],
      cpuUsage: this.load.cpuUsage(),
      memoryUsage: this.load.memoryUsage(),
      timestamp: new Date().toISOString(),
    };
    const answer = await this.gateway.heartbeat(body);
    if (answer.status !== undefined && answer.status >= 200 && answer.status < 300) {
      if (this.heartbeatFailing)
        this.logger.info({ gatewayUrl: this.gateway.gatewayUrl }, 'heartbeats acknowledged again');
      this.heartbeatFailing = false;
      return 'acknowledged';
    }
    if (answer.status === 404) return 'unknown';
    if (this.stopped) return 'failed';
    const fields = {
      gatewayUrl: this.gateway.gatewayUrl,
      status: answer.status,
      problem: describeAnswer(answer),
    };
    if (isAuthRefusal(answer)) {
      this.logger.error(fields, 'the gateway refused the heartbeat: check gateway.backend.token');
    } else if (!this.heartbeatFailing) {
      // Once per outage: heartbeats keep coming every interval.
      this.logger.warn(
        fields,
        'heartbeat failed; still sending them every gateway.backend.heartbeatInterval',
      );
    }
    this.heartbeatFailing = true;
    return 'failed';
  }

  private async unregister(): Promise<void> {
    const answer = await this.gateway.unregister({ serverUrl: this.serverUrl });
    if (answer.status !== undefined && answer.status >= 200 && answer.status < 300) {
      this.logger.info(
        { gatewayUrl: this.gateway.gatewayUrl, serverUrl: this.serverUrl },
        'unregistered from the gateway',
      );
    } else {
      this.logger.warn(
        { gatewayUrl: this.gateway.gatewayUrl, status: answer.status, problem: describeAnswer(answer) },
        'could not unregister from the gateway; it drops this host when its heartbeats stop',
      );
    }
    this.registered = false;
  }

  /** Waits `ms`, or less when shutdown begins. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  private cancelWait(): void {
    clearTimeout(this.timer);
    this.wake?.();
    this.wake = undefined;
  }
}
