import { type IncomingMessage, type ServerResponse } from 'node:http';
import {
  Controller,
  ForbiddenException,
  type OnApplicationShutdown,
  Req,
  Res,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { type AdminEngineRoute, adminEngineRoutes, SERVICE_TOKEN_SCHEME } from '@webstream/contracts';
import { AccessTokenGuard, type Actor, CurrentActor } from '@webstream/iam';
import { Endpoint, InjectConfig } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { McpUpstream } from '../mcp/mcp-upstream';

const UPSTREAM_TIMEOUT_MS = 30_000;
const BREAKER_FAILURES = 5;
const BREAKER_OPEN_MS = 10_000;

/**
 * The metrics engine's reports, audit log and live operations for the admin console: the engine's answer as it
 * is (JSON or CSV), asked with the gateway's service token. An org admin's query is pinned to their organization
 * whatever it names; the platform-wide views answer platform admins only.
 */
@Controller()
@UseGuards(AccessTokenGuard)
export class AdminMetricsController implements OnApplicationShutdown {
  private readonly engine: McpUpstream;
  private readonly serviceToken: string | undefined;

  constructor(@InjectConfig() config: WebstreamConfig, logger: PinoLogger) {
    this.serviceToken = config.metricsEngine.serviceToken;
    this.engine = new McpUpstream({
      name: 'the metrics engine',
      target: config.metricsEngine.url,
      timeoutMs: UPSTREAM_TIMEOUT_MS,
      failureThreshold: BREAKER_FAILURES,
      openMs: BREAKER_OPEN_MS,
      logger,
    });
  }

  onApplicationShutdown(): void {
    this.engine.close();
  }

  @Endpoint(adminEngineRoutes.usage)
  usage(@CurrentActor() actor: Actor, @Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.forward(adminEngineRoutes.usage, actor, req, res);
  }

  @Endpoint(adminEngineRoutes.top)
  top(@CurrentActor() actor: Actor, @Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.forward(adminEngineRoutes.top, actor, req, res);
  }

  @Endpoint(adminEngineRoutes.concurrency)
  concurrency(@CurrentActor() actor: Actor, @Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.forward(adminEngineRoutes.concurrency, actor, req, res);
  }

  @Endpoint(adminEngineRoutes.audit)
  audit(@CurrentActor() actor: Actor, @Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.forward(adminEngineRoutes.audit, actor, req, res);
  }

  @Endpoint(adminEngineRoutes.nodes)
  nodes(@CurrentActor() actor: Actor, @Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.forward(adminEngineRoutes.nodes, actor, req, res);
  }

  @Endpoint(adminEngineRoutes.sessions)
  sessions(@CurrentActor() actor: Actor, @Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.forward(adminEngineRoutes.sessions, actor, req, res);
  }

  private forward(route: AdminEngineRoute, actor: Actor, req: IncomingMessage, res: ServerResponse): void {
    if (actor.role === 'user') throw new ForbiddenException('only an administrator may read reports');
    if (route.audience === 'platform' && actor.role !== 'platform-admin')
      throw new ForbiddenException('only a platform administrator may see every organization’s operations');
    if (this.serviceToken === undefined)
      throw new ServiceUnavailableException(
        'metricsEngine.serviceToken is not set, so the gateway cannot ask the metrics engine',
      );
    const url = new URL(req.url ?? '/', 'http://gateway');
    const params = new URLSearchParams(url.search);
    if (actor.role === 'org-admin') params.set('orgId', actor.orgId);
    const query = params.toString();
    req.url = `${route.engine.path}${query === '' ? '' : `?${query}`}`;
    this.engine.forward(req, res, { authorization: `${SERVICE_TOKEN_SCHEME} ${this.serviceToken}` });
  }
}
