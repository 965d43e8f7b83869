import {
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  type CloseReason,
  type SessionReleaseResponse,
  type SessionSelectRequest,
  type SessionSelectResponse,
  type SessionStatusResponse,
  encodeWorkspaceHeaders,
  type WorkspaceContract,
} from '@webstream/contracts';
import { type Actor } from '@webstream/iam';
import { InjectConfig, InjectMetrics } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { Counter, type Registry } from 'prom-client';
import { BackendDirectory } from '../backends/backend-directory';
import { IamClient } from '../iam-client/iam-client';
import { GatewayTelemetry } from '../telemetry/gateway-telemetry';
import { HostSessions } from './host-sessions';
import { candidatesFor, pickBackend } from './load-balancer';
import { type SessionRecord, SessionStore } from './session-record';

/** 503: no session host can take the session now; the client should try again after retryAfterSeconds. */
export class NoBackendAvailableException extends ServiceUnavailableException {
  constructor(
    readonly retryAfterSeconds: number,
    detail: string,
  ) {
    super(`no session host can take this session now (${detail}); try again in ${retryAfterSeconds} s`);
  }
}

type SelectOutcome = 'reserved' | 'reconnected' | 'refused' | 'full' | 'no-backend';

/**
 * Session brokering: who may launch what (IAM), where it runs (health, capacity, tags, affinity, the
 * configured strategy), and the slot it holds (the workspace's cap and the per-user limit), kept in the
 * shared session store so every gateway sees the same sessions.
 */
@Injectable()
export class SessionBroker {
  private readonly selections: Counter<'outcome'>;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    private readonly iam: IamClient,
    private readonly backends: BackendDirectory,
    private readonly store: SessionStore,
    private readonly hosts: HostSessions,
    private readonly telemetry: GatewayTelemetry,
    private readonly logger: PinoLogger,
    @InjectMetrics() registry: Registry,
  ) {
    this.selections = new Counter({
      name: 'gateway_session_selections_total',
      help: 'Session selections by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  async select(
    actor: Actor,
    accessToken: string,
    sessionId: string,
    request: SessionSelectRequest,
  ): Promise<SessionSelectResponse> {
    const existing = await this.store.get(sessionId);
    if (existing !== undefined && existing.userId !== actor.id) throw this.notYours(sessionId);
    if (existing !== undefined && existing.state !== 'ended') return this.reconnect(existing, request);

    const resolution = await this.iam.resolveEntitlement({
      accessToken,
      userId: actor.id,
      workspaceId: request.workspaceId,
      appId: request.appId,
    });
    if (!resolution.entitled) {
      this.count('refused');
      throw new ForbiddenException(`${resolution.reason}: ${resolution.message}`);
    }
    assertRequestMatches(request, resolution.contract);

    const { maxSessions, requiredTags } = resolution.placement;
    const candidates = candidatesFor(await this.backends.list(), { requiredTags });
    if (candidates.length === 0) {
      this.count('no-backend');
      throw new NoBackendAvailableException(
        this.retryAfterSeconds(),
        requiredTags.length > 0
          ? `none healthy with room and tags ${requiredTags.join(', ')}`
          : 'none healthy with room',
      );
    }
    const { loadBalancing } = this.config.gateway;
    const affine = await this.store.affinity(actor.id);
    const backend =
      candidates.find((candidate) => candidate.serverUrl === affine) ??
      pickBackend(loadBalancing.strategy, candidates, await this.store.nextTurn(), loadBalancing.weights);

    const now = new Date().toISOString();
    const record: SessionRecord = {
      sessionId,
      userId: actor.id,
      username: actor.name,
      orgId: actor.orgId,
      workspaceId: request.workspaceId,
      appId: request.appId,
      contract: resolution.contract,
      contractHeaders: encodeWorkspaceHeaders(resolution.contract),
      backend: backend.serverUrl,
      ...(this.config.gateway.topology === 'redirect' && backend.publicGatewayUrl !== undefined
        ? { hostGatewayUrl: backend.publicGatewayUrl }
        : {}),
      state: 'reserved',
      createdAt: now,
      updatedAt: now,
    };
    const reserved = await this.store.reserve(record, {
      workspaceMax: maxSessions,
      userMax: this.config.gateway.maxSessionsPerUser,
    });
    switch (reserved.outcome) {
      case 'exists':
        // Another select with this id won the race: the same user reconnects, anyone else learns nothing.
        if (reserved.record.userId !== actor.id) throw this.notYours(sessionId);
        return this.reconnect(reserved.record, request);
      case 'workspace-full':
        this.count('full');
        throw new ConflictException(
          `workspace-full: workspace ${resolution.contract.workspaceName} already runs its maximum of ${maxSessions} sessions`,
        );
      case 'user-limit':
        this.count('full');
        throw new ConflictException(
          `user-limit: you already run ${this.config.gateway.maxSessionsPerUser} sessions, the most one user may`,
        );
      case 'reserved':
        break;
    }
    await this.backends.notePinned(backend.serverUrl);
    await this.store.setAffinity(actor.id, backend.serverUrl, loadBalancing.sessionAffinityTimeout);
    this.count('reserved');
    this.telemetry.sessionLaunched(record);
    this.logger.info(
      { sessionId, userId: actor.id, workspaceId: request.workspaceId, backend: backend.serverUrl },
      'session reserved',
    );
    return this.answer(record);
  }

  /** Idempotent: releasing an ended session succeeds again; an unknown one answers success false. */
  async release(actor: Actor, sessionId: string): Promise<SessionReleaseResponse> {
    const existing = await this.store.get(sessionId);
    if (existing === undefined) return { success: false, sessionId };
    if (existing.userId !== actor.id && !isAdminOf(actor, existing)) throw this.notYours(sessionId);
    if (existing.state !== 'ended') {
      const reason = existing.userId === actor.id ? 'session-ended' : 'admin-disconnect';
      await this.store.release(sessionId, reason);
      this.hosts.end(existing.backend, sessionId, reason);
      this.telemetry.sessionEnded(existing, reason);
      this.logger.info({ sessionId, userId: existing.userId, by: actor.id }, 'session released');
    }
    return { success: true, sessionId };
  }

  /**
   * The session's streamer ended it. Only the streamer the session was connected to counts: a stale or
   * foreign streamerGuid changes nothing.
   */
  async streamerEnded(sessionId: string, streamerGuid: string, reason: CloseReason): Promise<boolean> {
    const existing = await this.store.get(sessionId);
    if (existing === undefined || existing.state === 'ended' || existing.streamerGuid !== streamerGuid) {
      return false;
    }
    await this.store.release(sessionId, reason);
    this.telemetry.sessionEnded(existing, reason);
    this.logger.info(
      { sessionId, userId: existing.userId, streamerGuid, reason },
      'session ended by its streamer',
    );
    return true;
  }

  async status(actor: Actor, sessionId: string): Promise<SessionStatusResponse> {
    const record = await this.store.get(sessionId);
    if (record === undefined) return { sessionId, state: 'none', backendReachable: false };
    if (record.userId !== actor.id) throw this.notYours(sessionId);
    return {
      sessionId,
      state: record.state,
      workspaceId: record.workspaceId,
      appId: record.appId,
      backendReachable: record.state !== 'ended' && this.backends.health(record.backend) !== 'unreachable',
      ...(record.streamerGuid === undefined ? {} : { streamerGuid: record.streamerGuid }),
      ...(record.endedReason === undefined ? {} : { endedReason: record.endedReason }),
    };
  }

  /**
   * Ends a session whose user no longer stands behind it (disabled or deleted), as an administrator's
   * disconnect does: the browser is told the same, and the host ends the streamer.
   */
  async endForRevokedUser(record: SessionRecord, why: string): Promise<void> {
    const reason = 'admin-disconnect';
    await this.store.release(record.sessionId, reason);
    this.hosts.end(record.backend, record.sessionId, reason);
    this.telemetry.sessionEnded(record, reason);
    this.logger.info(
      { sessionId: record.sessionId, userId: record.userId, why },
      'session ended: its user no longer stands behind it',
    );
  }

  /** Every session not ended yet, on every gateway sharing this store. */
  allActive(): Promise<SessionRecord[]> {
    return this.store.active();
  }

  /** For the admin endpoint: a platform admin sees every session, an org admin their organization's. */
  async active(actor: Actor): Promise<SessionRecord[]> {
    const sessions = await this.store.active();
    return actor.role === 'platform-admin'
      ? sessions
      : sessions.filter((session) => session.orgId === actor.orgId);
  }

  private async reconnect(
    record: SessionRecord,
    request: SessionSelectRequest,
  ): Promise<SessionSelectResponse> {
    if (record.workspaceId !== request.workspaceId || record.appId !== request.appId) {
      throw new ConflictException(
        `session-in-use: session ${record.sessionId} already runs another workspace or application; choose a new session id`,
      );
    }
    this.count('reconnected');
    return this.answer(record);
  }

  private answer(record: SessionRecord): SessionSelectResponse {
    const timeout = this.config.gateway.loadBalancing.sessionAffinityTimeout;
    return {
      sessionId: record.sessionId,
      state: record.state,
      workspaceId: record.workspaceId,
      appId: record.appId,
      affinityExpiresAt: new Date(Date.now() + timeout * 1000).toISOString(),
    };
  }

  /** The probe interval while unstable: the soonest a backend can come back. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.config.gateway.healthCheck.interval));
  }

  private notYours(sessionId: string): NotFoundException {
    return new NotFoundException(`session ${sessionId} does not exist`);
  }

  private count(outcome: SelectOutcome): void {
    this.selections.inc({ outcome });
  }
}

function isAdminOf(actor: Actor, record: SessionRecord): boolean {
  return actor.role === 'platform-admin' || (actor.role === 'org-admin' && actor.orgId === record.orgId);
}

/** The client names what it launches; it must be exactly what IAM entitles, or nothing runs. */
function assertRequestMatches(request: SessionSelectRequest, contract: WorkspaceContract): void {
  const mismatched = (
    [
      ['workspaceType', request.workspaceType, contract.workspaceType],
      ['appExe', request.appExe, contract.appExe],
      ['appArgs', request.appArgs, contract.appArgs],
    ] as const
  ).filter(([, sent, entitled]) => sent !== entitled);
  if (mismatched.length > 0) {
    throw new ForbiddenException(
      `${mismatched.map(([field]) => field).join(', ')}: not what the entitled application runs; a client cannot choose what runs`,
    );
  }
}
