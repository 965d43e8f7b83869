import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  AUDIO_PATH,
  BACKEND_TOKEN_HEADER,
  CAPTURE_PATH,
  CONTROL_PATH,
  type GetConnectionResponse,
  getConnectionRoute,
  SESSION_ID_HEADER,
  sessionIdSchema,
  streamerConnectionSchema,
} from '@webstream/contracts';
import { AccessTokenGuard } from '@webstream/iam';
import { BACKEND_TOKEN, currentSpan, InjectConfig, sendError, ServiceTracing } from '@webstream/service-kit';
import { createProxyMiddleware, type RequestHandler } from 'http-proxy-middleware';
import { PinoLogger } from 'nestjs-pino';
import { GatewayMetrics, statusOf } from '../observability/gateway-metrics';
import { cancelWithClient, wasCancelled } from '../proxying/client-cancellation';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { type SessionRecord, SessionStore } from '../sessions/session-record';
import {
  injectSessionHeaders,
  PROXY_PLUGINS,
  type RoutedRequest,
  redirectPublicUrl,
  traceTransport,
} from './upstream-request';
import { TicketStore } from './ws-tickets';

/** Headers of one connection, never passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'];

/**
 * GET /getConnection: the browser's access token and session checked, the request proxied to the session's host
 * with the workspace contract, and the host's answer (where the streamer listens) turned into the browser's
 * tickets for the session's sockets.
 */
@Injectable()
export class ConnectionRoute implements OnApplicationShutdown {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512 });
  private readonly connectionProxy: RequestHandler;
  /** In the redirect topology, this gateway's public URL: sessions of other hosts are sent to their gateway. */
  private readonly ownPublicUrl: string | undefined;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    private readonly tokens: AccessTokenGuard,
    private readonly sessions: SessionStore,
    private readonly tickets: TicketStore,
    private readonly rateLimiter: RateLimiter,
    private readonly metrics: GatewayMetrics,
    private readonly tracing: ServiceTracing,
    private readonly logger: PinoLogger,
    // The host takes the contract headers only from a peer holding it.
    @Inject(BACKEND_TOKEN) backendToken: string,
  ) {
    this.ownPublicUrl = redirectPublicUrl(config);
    this.connectionProxy = createProxyMiddleware<RoutedRequest, ServerResponse>({
      target: 'http://127.0.0.1',
      router: (req) => req.webstreamSession!.backend,
      agent: this.agent,
      changeOrigin: true,
      selfHandleResponse: true,
      ejectPlugins: true,
      plugins: PROXY_PLUGINS,
      proxyTimeout: 30_000,
      on: {
        proxyReq: (proxyReq, req, res) => {
          cancelWithClient(proxyReq, req, res);
          traceTransport(this.tracing, proxyReq);
          proxyReq.removeHeader('authorization');
          injectSessionHeaders(proxyReq, req, req.webstreamSession!);
          proxyReq.setHeader(BACKEND_TOKEN_HEADER, backendToken);
        },
        // The host's 200 names the streamer: the browser gets the gateway's answer instead (see connected()).
        proxyRes: (proxyRes, req, res) => this.answerConnection(proxyRes, req, res),
        error: (error, req, res) => {
          if ('writeHead' in res && !wasCancelled(req))
            sendError(req, res, 502, `the session host could not be reached: ${error.message}`);
        },
      },
    });
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }

  /** GET /getConnection, once its correlation id and span are current. */
  async serve(req: RoutedRequest, res: ServerResponse): Promise<void> {
    const done = this.metrics.startRequest('session-host', 'GET', getConnectionRoute.path);
    res.once('close', () => done(statusOf(res)));
    if (!(await this.rateLimiter.limitRequest(req, res))) return;
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
      // Read and dropped, so the client gets to read the answer.
      req.resume();
      sendError(req, res, 400, 'GET /getConnection takes no body');
      return;
    }
    const auth = await this.tracing.step('auth.validate', currentSpan(), () => this.tokens.authenticate(req));
    if ('problem' in auth) {
      this.metrics.authFailure('access_token');
      sendError(req, res, 401, `a valid access token is required${auth.problem ? `: ${auth.problem}` : ''}`);
      return;
    }
    const sessionId = sessionIdSchema.safeParse(req.headers[SESSION_ID_HEADER]);
    if (!sessionId.success) {
      sendError(req, res, 400, `headers.${SESSION_ID_HEADER}: select a session first and send its id`);
      return;
    }
    const session = await this.sessions.get(sessionId.data);
    if (session === undefined || session.userId !== auth.actor.id || session.state === 'ended') {
      sendError(req, res, 404, `session ${sessionId.data} does not exist or has ended`);
      return;
    }
    req.webstreamSession = session;
    await this.connectionProxy(req, res, () => sendError(req, res, 404, 'not routed'));
  }

  /**
   * The host's answer, read whole (a few hundred bytes): a 200 becomes the gateway's own answer, anything else is
   * passed on as the host gave it.
   */
  private answerConnection(proxyRes: IncomingMessage, req: RoutedRequest, res: ServerResponse): void {
    const status = proxyRes.statusCode ?? 502;
    if (status !== 200) {
      const headers = { ...proxyRes.headers };
      for (const name of HOP_BY_HOP_HEADERS) delete headers[name];
      res.writeHead(status, headers);
      proxyRes.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    proxyRes.on('data', (chunk: Buffer) => chunks.push(chunk));
    proxyRes.once('end', () => {
      this.connected(req.webstreamSession!, Buffer.concat(chunks).toString('utf8')).then(
        (answer) => {
          const body = JSON.stringify(answer);
          res.writeHead(200, {
            'content-type': 'application/json; charset=utf-8',
            'content-length': String(Buffer.byteLength(body)),
            'cache-control': 'no-store',
          });
          res.end(body);
        },
        (error: unknown) => {
          this.logger.error(
            { err: error },
            'the session host answered /getConnection with something unusable',
          );
          sendError(req, res, 502, 'the session host gave an answer the gateway cannot use');
        },
      );
    });
    proxyRes.once('error', (error) =>
      sendError(req, res, 502, `the session host's answer broke off: ${error.message}`),
    );
  }

  /** The host named the session's streamer: remember where it is, and hand the browser its tickets. */
  private async connected(session: SessionRecord, body: string): Promise<GetConnectionResponse> {
    const streamer = streamerConnectionSchema.parse(JSON.parse(body));
    // A reconnect to the same streamer changes nothing: only a first connection, or a streamer that moved, is
    // written (in Redis, a round trip on every reconnect otherwise).
    if (
      session.state === 'reserved' ||
      session.streamerGuid !== streamer.streamerGuid ||
      session.streamer?.host !== streamer.host ||
      session.streamer.port !== streamer.port ||
      session.streamer.secret !== streamer.streamerSecret
    ) {
      await this.sessions.update(session.sessionId, {
        // A reconnect of a running session fetches tickets again without stepping back from active.
        ...(session.state === 'reserved' ? { state: 'connecting' as const } : {}),
        streamerGuid: streamer.streamerGuid,
        streamer: { host: streamer.host, port: streamer.port, secret: streamer.streamerSecret },
      });
    }
    const ttl = this.config.gateway.webSocket.ticketTtl;
    const grant = (path: string) =>
      this.tickets.issue({ sessionId: session.sessionId, userId: session.userId, path }, ttl);
    const [capture, control, audio] = await Promise.all([
      grant(CAPTURE_PATH),
      grant(CONTROL_PATH),
      grant(AUDIO_PATH),
    ]);
    return {
      sessionId: session.sessionId,
      streamerGuid: streamer.streamerGuid,
      paths: streamer.paths,
      tickets: { capture, control, audio },
      ticketExpiresAt: new Date(Date.now() + ttl * 1000).toISOString(),
      ...(session.hostGatewayUrl !== undefined && session.hostGatewayUrl !== this.ownPublicUrl
        ? { gatewayUrl: session.hostGatewayUrl }
        : {}),
    };
  }
}
