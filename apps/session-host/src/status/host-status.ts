import { Injectable } from '@nestjs/common';
import { type BackendHealthResponse, type BackendStatus } from '@webstream/contracts';
import { HostFacts } from '../host/host-facts';
import { SessionSandboxes } from '../sandbox/session-sandboxes';
import { SessionSupervisor } from '../sessions/session-supervisor';

/**
 * The host's status as /health and the heartbeats report it: draining once it stops taking sessions,
 * degraded when every slot is taken, a capture tool is missing or sessions cannot be sandboxed, healthy otherwise.
 */
@Injectable()
export class HostStatus {
  constructor(
    private readonly facts: HostFacts,
    private readonly supervisor: SessionSupervisor,
    private readonly sandboxes: SessionSandboxes,
  ) {}

  get status(): BackendStatus {
    return this.report().status;
  }

  report(): BackendHealthResponse {
    const problems: string[] = [];
    if (this.supervisor.isDraining) problems.push('shutting down: takes no new sessions');
    if (this.supervisor.isFull) {
      problems.push(`all ${this.supervisor.maxSessions} sessions in use (sessionHost.maxSessions)`);
    }
    const unsandboxable = this.sandboxes.problem;
    if (unsandboxable !== undefined) problems.push(unsandboxable);
    for (const program of this.facts.missingCaptureTools) {
      problems.push(`${program} is not on PATH: sessions cannot show a real display`);
    }
    const status: BackendStatus = this.supervisor.isDraining
      ? 'draining'
      : problems.length > 0
        ? 'degraded'
        : 'healthy';
    return {
      status,
      activeSessions: this.supervisor.activeSessions,
      maxSessions: this.supervisor.maxSessions,
      captureTools: { ...this.facts.tools },
      problems,
    };
  }
}
