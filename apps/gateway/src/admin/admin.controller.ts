import { Controller, ForbiddenException, NotFoundException, Param, UseGuards } from '@nestjs/common';
import {
  adminBackendsRoute,
  type AdminBackendsResponse,
  type AdminDisconnectParam,
  adminDisconnectRoute,
  adminHealthRoute,
  type AdminHealthResponse,
  adminLicenceRoute,
  type AdminLicenceResponse,
  adminSessionsRoute,
  type AdminSessionsResponse,
  type AdminCloseWebSocketParam,
  adminCloseWebSocketRoute,
  adminWebSocketsRoute,
  type AdminWebSocketsResponse,
  closeCodes,
} from '@webstream/contracts';
import { AccessTokenGuard, type Actor, CurrentActor } from '@webstream/iam';
import { Endpoint } from '@webstream/service-kit';
import { BackendDirectory } from '../backends/backend-directory';
import { WebSocketDiagnostics } from '../data-plane/ws-diagnostics';
import { DownstreamHealth } from '../downstream-health/downstream-health';
import { LicenceRegistry } from '../licence/licence-registry';
import { SessionBroker } from '../sessions/session-broker';

function assertPlatformAdmin(actor: Actor): void {
  if (actor.role !== 'platform-admin')
    throw new ForbiddenException('only a platform administrator may see this');
}

/** Operations views for the admin console: what the gateway depends on, session hosts, running sessions (and disconnecting one), licence. */
@Controller()
@UseGuards(AccessTokenGuard)
export class AdminController {
  constructor(
    private readonly backends: BackendDirectory,
    private readonly sessions: SessionBroker,
    private readonly licence: LicenceRegistry,
    private readonly webSockets: WebSocketDiagnostics,
    private readonly downstream: DownstreamHealth,
  ) {}

  /** What the gateway depends on, as its last timed checks found it: no probe runs for this request. */
  @Endpoint(adminHealthRoute)
  downstreamHealth(@CurrentActor() actor: Actor): AdminHealthResponse {
    assertPlatformAdmin(actor);
    return this.downstream.view();
  }

  @Endpoint(adminBackendsRoute)
  async listBackends(@CurrentActor() actor: Actor): Promise<AdminBackendsResponse> {
    assertPlatformAdmin(actor);
    return { items: await this.backends.list() };
  }

  /** A platform admin sees every session; an org admin their organization's. */
  @Endpoint(adminSessionsRoute)
  async listSessions(@CurrentActor() actor: Actor): Promise<AdminSessionsResponse> {
    if (actor.role === 'user') throw new ForbiddenException('only an administrator may see sessions');
    const sessions = await this.sessions.active(actor);
    return {
      items: sessions.map((session) => ({
        sessionId: session.sessionId,
        state: session.state,
        userId: session.userId,
        username: session.username,
        orgId: session.orgId,
        workspaceId: session.workspaceId,
        workspaceName: session.contract.workspaceName,
        appId: session.appId,
        appExe: session.contract.appExe,
        backend: session.backend,
        createdAt: session.createdAt,
        updatedAt: session.updatedAt,
        ...(session.streamerGuid === undefined ? {} : { streamerGuid: session.streamerGuid }),
      })),
    };
  }

  @Endpoint(adminDisconnectRoute)
  async disconnect(
    @CurrentActor() actor: Actor,
    @Param() { sessionId }: AdminDisconnectParam,
  ): Promise<void> {
    if (actor.role === 'user') throw new ForbiddenException('only an administrator may disconnect sessions');
    const released = await this.sessions.release(actor, sessionId);
    if (!released.success) throw new NotFoundException(`session ${sessionId} does not exist`);
  }

  @Endpoint(adminWebSocketsRoute)
  listWebSockets(@CurrentActor() actor: Actor): AdminWebSocketsResponse {
    assertPlatformAdmin(actor);
    return { items: this.webSockets.list() };
  }

  @Endpoint(adminCloseWebSocketRoute)
  closeWebSocket(@CurrentActor() actor: Actor, @Param() { id }: AdminCloseWebSocketParam): void {
    assertPlatformAdmin(actor);
    const { code } = closeCodes.ADMIN_DISCONNECT;
    if (!this.webSockets.close(id, code, 'closed by an administrator')) {
      throw new NotFoundException(`no WebSocket ${id} on this gateway`);
    }
  }

  @Endpoint(adminLicenceRoute)
  licenceUsage(@CurrentActor() actor: Actor): Promise<AdminLicenceResponse> {
    assertPlatformAdmin(actor);
    return this.licence.usage();
  }
}
