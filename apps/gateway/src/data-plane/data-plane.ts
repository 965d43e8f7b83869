import {
  type ClientRequest,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
  Agent,
} from 'node:http';
import { type Server as HttpsServer } from 'node:https';
import { type Socket } from 'node:net';
import { type Duplex } from 'node:stream';
import {
  type BeforeApplicationShutdown,
  HttpException,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SpanKind } from '@opentelemetry/api';
import { type WebstreamConfig } from '@webstream/config';
import {
  AUDIO_PATH,
  BACKEND_TOKEN_HEADER,
  CAPTURE_PATH,
  closeCodes,
  CONTROL_PATH,
  type GetConnectionResponse,
  getConnectionRoute,
  SESSION_ID_HEADER,
  sessionIdSchema,
  streamerConnectionSchema,
  STREAMER_SECRET_HEADER,
  WORKSPACE_CONTRACT_HEADERS,
  WS_TICKET_QUERY_PARAM,
} from '@webstream/contracts';
import { AccessTokenGuard } from '@webstream/iam';
import {
  BACKEND_TOKEN,
  classifyError,
  closeFrame,
  CORRELATION_ID_HEADER,
  clientGoneSignal,
  correlationIdFrom,
  currentSpan,
  InjectConfig,
  refuseUpgrade,
  requestSpan,
  runWithCorrelationId,
  sendError,
  ServiceTracing,
  traceContextHeaders,
} from '@webstream/service-kit';
import {
  createProxyMiddleware,
  debugProxyErrorsPlugin,
  type Plugin,
  proxyEventsPlugin,
  type RequestHandler,
} from 'http-proxy-middleware';
import { PinoLogger } from 'nestjs-pino';
import { WebSocketServer } from 'ws';
import { GatewayMetrics, statusOf } from '../observability/gateway-metrics';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { type SessionRecord, SessionStore } from '../sessions/session-record';
import { clientAddress, clientProtocol } from '../tls/trusted-proxies';
import { InboundMessageLimit } from './inbound-message-limit';
import { WebSocketDiagnostics } from './ws-diagnostics';
import { TicketStore } from './ws-tickets';
import { cancelWithClient, wasCancelled } from '../proxying/client-cancellation';

const SOCKET_PATHS = new Set<string>([CAPTURE_PATH, CONTROL_PATH, AUDIO_PATH]);
const CONTRACT_HEADERS = new Set<string>(WORKSPACE_CONTRACT_HEADERS);
/** Headers of one connection, never passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'];
/**
 * http-proxy-middleware's defaults without its logger (which builds a URL for every answer only to log nothing)
 * and its error page: the data plane answers errors itself, as every service does.
 */
const PROXY_PLUGINS: Plugin[] = [debugProxyErrorsPlugin, proxyEventsPlugin];

interface RoutedRequest extends IncomingMessage {
  /** The correlation id of the request; `id` is pino-http's, where the error answers read it too. */
  correlationId?: string;
  webstreamSession?: SessionRecord;
  webstreamUpstream?: string;
}

/** No client may speak for IAM: the contract headers exist only as the gateway injects them. */
export function stripContractHeaders(req: IncomingMessage): void {
  for (const name of Object.keys(req.headers)) if (CONTRACT_HEADERS.has(name)) delete req.headers[name];
  for (let i = req.rawHeaders.length - 2; i >= 0; i -= 2) {
    if (CONTRACT_HEADERS.has(req.rawHeaders[i]!.toLowerCase())) req.rawHeaders.splice(i, 2);
  }
}

/**
 * The gateway's data plane, on the raw servers before Express (which would triple the cost of a proxied
 * request): /getConnection to the session's host with the workspace contract injected, and the
 * /capture, /control and /audio WebSockets to the session's streamer, each opened with a single-use ticket.
 */
@Injectable()
export class DataPlane implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512 });
  private readonly connectionProxy: RequestHandler;
  private readonly socketProxy: RequestHandler;
  // Only to finish a handshake in order to close it with a code and a reason.
  private readonly closer = new WebSocketServer({ noServer: true });
  private readonly attached = new WeakSet<object>();
  /** In the redirect topology, this gateway's public URL: it relays the sockets of its host's sessions only. */
  private readonly ownPublicUrl: string | undefined;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: AccessTokenGuard,
    private readonly sessions: SessionStore,
    private readonly tickets: TicketStore,
    private readonly diagnostics: WebSocketDiagnostics,
    private readonly rateLimiter: RateLimiter,
    private readonly metrics: GatewayMetrics,
    private readonly tracing: ServiceTracing,
    private readonly logger: PinoLogger,
    // The host and the streamer take the contract headers only from a peer holding it.
    @Inject(BACKEND_TOKEN) backendToken: string,
  ) {
    // Required in the redirect topology: GatewayModule refuses to start without it.
    this.ownPublicUrl = config.gateway.topology === 'redirect' ? config.gateway.publicUrl : undefined;
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
          this.traceTransport(proxyReq);
          const session = req.webstreamSession!;
          proxyReq.removeHeader('authorization');
          proxyReq.removeHeader('cookie');
          for (const [name, value] of Object.entries(session.contractHeaders))
            proxyReq.setHeader(name, value);
          proxyReq.setHeader(SESSION_ID_HEADER, session.sessionId);
          proxyReq.setHeader(BACKEND_TOKEN_HEADER, backendToken);
          proxyReq.setHeader(CORRELATION_ID_HEADER, req.correlationId!);
        },
        // The host's 200 names the streamer: the browser gets the gateway's answer instead (see connected()).
        proxyRes: (proxyRes, req, res) => this.answerConnection(proxyRes, req, res),
        error: (error, req, res) => {
          if ('writeHead' in res && !wasCancelled(req))
            sendError(req, res, 502, `the session host could not be reached: ${error.message}`);
        },
      },
    });
    this.socketProxy = createProxyMiddleware<RoutedRequest, ServerResponse>({
      target: 'http://127.0.0.1',
      router: (req) => req.webstreamUpstream!,
      ws: true,
      changeOrigin: true,
      ejectPlugins: true,
      plugins: PROXY_PLUGINS,
      on: {
        proxyReqWs: (proxyReq, req, client) => {
          const session = req.webstreamSession!;
          proxyReq.once('upgrade', (_answer: IncomingMessage, upstream: Socket) =>
            this.relayed(req, client, upstream, session),
          );
          for (const [name, value] of Object.entries(session.contractHeaders))
            proxyReq.setHeader(name, value);
          proxyReq.setHeader(SESSION_ID_HEADER, session.sessionId);
          proxyReq.setHeader(STREAMER_SECRET_HEADER, session.streamer!.secret);
          proxyReq.setHeader(CORRELATION_ID_HEADER, req.correlationId!);
          this.traceTransport(proxyReq);
          proxyReq.removeHeader('cookie');
          const limit = this.config.gateway.webSocket.upstreamConnectTimeout * 1000;
          proxyReq.setTimeout(limit, () => proxyReq.destroy(new Error(`no answer within ${limit} ms`)));
        },
        error: (error, req, target) => {
          if (!('writeHead' in target)) this.closeUnreachable(req, target, error);
        },
      },
    });
  }

  onApplicationBootstrap(): void {
    this.attach(this.adapterHost.httpAdapter.getHttpServer() as HttpServer);
  }

  // Before the HTTP server closes: it would otherwise wait for every relayed socket to end by itself.
  beforeApplicationShutdown(): void {
    const { code, reason } = closeCodes.GOING_AWAY;
    this.diagnostics.closeAll(code, reason);
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
    this.closer.close();
  }

  /** Takes the data plane's requests and upgrades off a server before its other listeners (Express). */
  attach(server: HttpServer | HttpsServer): void {
    if (this.attached.has(server)) return;
    this.attached.add(server);
    const framework = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: RoutedRequest, res: ServerResponse) => {
      stripContractHeaders(req);
      if (pathOf(req) === getConnectionRoute.path && req.method === 'GET') {
        // What the service kit's middleware does for every other route, which this one never reaches.
        const id = (req.correlationId = req.id = correlationIdFrom(req));
        res.setHeader(CORRELATION_ID_HEADER, id);
        const span = requestSpan(this.tracing, req, res, () => getConnectionRoute.path);
        void runWithCorrelationId(
          id,
          () =>
            this.getConnection(req, res).catch((error: unknown) =>
              this.failed(
                'data plane request',
                error,
                500,
                'the gateway failed to route this request',
                (...answer) => sendError(req, res, ...answer),
              ),
            ),
          { clientGone: clientGoneSignal(res), span },
        );
        return;
      }
      for (const listener of framework) listener(req, res);
    });
    server.on('upgrade', (req: RoutedRequest, socket: Duplex, head: Buffer) => {
      stripContractHeaders(req);
      const id = (req.correlationId = req.id = correlationIdFrom(req));
      // The upgrade's span lasts until the streamer has answered it, or the socket is gone.
      const span = this.tracing.startRequestSpan(req.headers, {
        'http.request.method': 'GET',
        'url.path': pathOf(req) ?? '/',
      });
      if (span) socket.once('close', () => span.end());
      void runWithCorrelationId(
        id,
        () =>
          this.upgrade(req, socket, head).catch((error: unknown) =>
            this.failed('WebSocket upgrade', error, 502, 'the WebSocket could not be routed', (...answer) =>
              refuseUpgrade(req, socket, ...answer),
            ),
          ),
        { span },
      );
    });
  }

  /** Seed 002's gateway.transport.send: the hop to the host or streamer, which continues the trace. */
  private traceTransport(proxyReq: ClientRequest): void {
    const span = this.tracing.startStep('transport.send', currentSpan(), SpanKind.CLIENT);
    if (!span) return;
    for (const [name, value] of Object.entries(traceContextHeaders(span))) proxyReq.setHeader(name, value);
    proxyReq.once('close', () => span.end());
  }

  private async getConnection(req: RoutedRequest, res: ServerResponse): Promise<void> {
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

  private async upgrade(req: RoutedRequest, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (!SOCKET_PATHS.has(url.pathname)) {
      refuseUpgrade(req, socket, 404, `no WebSocket at ${url.pathname}`);
      return;
    }
    // Before the ticket is looked at, so a refused upgrade does not use it up.
    if (!(await this.rateLimiter.limitUpgrade(req, socket))) return;
    if (!this.originAllowed(req)) {
      refuseUpgrade(req, socket, 403, `origin ${String(req.headers.origin)} may not open this WebSocket`);
      return;
    }
    const ticket = url.searchParams.get(WS_TICKET_QUERY_PARAM);
    const grant = ticket === null ? undefined : await this.tickets.consume(ticket);
    if (grant === undefined || grant.path !== url.pathname) {
      this.metrics.authFailure('ws_ticket');
      refuseUpgrade(
        req,
        socket,
        401,
        'a valid, unused ticket for this socket from /getConnection is required',
      );
      return;
    }
    // The page may name the session it means; a ticket of another session (another user's) is refused.
    const named = url.searchParams.get('sessionId');
    if (named !== null && named !== grant.sessionId) {
      refuseUpgrade(req, socket, 403, 'this ticket belongs to another session');
      return;
    }
    const session = await this.sessions.get(grant.sessionId);
    if (
      session === undefined ||
      session.state === 'ended' ||
      session.userId !== grant.userId ||
      session.streamer === undefined
    ) {
      refuseUpgrade(req, socket, 404, `session ${grant.sessionId} is not running`);
      return;
    }
    if (
      this.ownPublicUrl !== undefined &&
      (session.hostGatewayUrl ?? this.ownPublicUrl) !== this.ownPublicUrl
    ) {
      refuseUpgrade(
        req,
        socket,
        421,
        `session ${grant.sessionId} runs on a host whose gateway is ${session.hostGatewayUrl}: open its sockets there, with tickets from a new /getConnection`,
      );
      return;
    }
    req.webstreamSession = session;
    req.webstreamUpstream = `http://${session.streamer.host}:${session.streamer.port}`;
    // The ticket has done its work; the streamer never sees it.
    url.searchParams.delete(WS_TICKET_QUERY_PARAM);
    url.searchParams.delete('sessionId');
    req.url = `${url.pathname}${url.search}`;
    this.socketProxy.upgrade(req, socket as Socket, head);
    if (session.state !== 'active') await this.sessions.update(session.sessionId, { state: 'active' });
  }

  /**
   * Once relayed: diagnostics, a bound on what a slow reader makes us hold, a reason when upstream fails, a
   * limit on what the browser sends, and never half a connection: once either side is done, the other is
   * dropped after a moment for its close handshake.
   */
  private relayed(req: IncomingMessage, client: Socket, upstream: Socket, session: SessionRecord): void {
    const path = pathOf(req);
    // Set once the socket's end is one the browser was told the reason for.
    let orderlyEnd = false;
    // Registered before http-proxy pipes the sockets, so this listener sees each chunk before the pipe forwards
    // it: a message over the limit finds the streamer's socket already gone.
    const limit = new InboundMessageLimit(this.maxMessageBytes(path));
    const refuse = (chunk: Buffer): void => {
      if (limit.accepts(chunk)) return;
      client.off('data', refuse);
      orderlyEnd = true;
      upstream.destroy();
      const { code, reason } = closeCodes.MESSAGE_TOO_BIG;
      if (client.writable) client.end(closeFrame(code, reason));
      this.logger.warn(
        { sessionId: session.sessionId, path, maxBytes: limit.maxBytes },
        'closed a WebSocket whose client sent a message over the limit',
      );
    };
    client.on('data', refuse);
    const timers: NodeJS.Timeout[] = [];
    const dropAfterGrace = (socket: Socket): void => {
      if (socket.destroyed) return;
      const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      timer.unref();
      timers.push(timer);
    };
    upstream.once('close', () => dropAfterGrace(client));
    // The browser's end: after ours (the close handshake is over) it is dropped at once; before ours, the
    // streamer gets a moment to answer it.
    client.once('end', () => {
      if (client.writableEnded) client.destroy();
      else dropAfterGrace(upstream);
    });
    client.once('close', () => {
      for (const timer of timers) clearTimeout(timer);
      upstream.destroy();
    });
    // The streamer's close frame (opcode 8; its answer to the browser's, or its own): whatever follows is an
    // orderly end. The only listener beside the pipe's, on the only side whose end needs telling apart. A slow
    // browser needs none: the pipe pauses the streamer's socket once the browser's holds its high-water mark,
    // and the streamer, seeing its own buffer fill, drops frames for it (streamer.maxBufferedBytes).
    upstream.on('data', (chunk: Buffer) => {
      if ((chunk[0]! & 0x0f) === 0x08) orderlyEnd = true;
    });
    // Registered before http-proxy pipes the sockets, so the reason reaches the browser before the pipe
    // ends its socket.
    let told = false;
    const hostLost = (): void => {
      if (told || orderlyEnd || !client.writable) return;
      told = true;
      const { code, reason } = closeCodes.HOST_LOST;
      client.end(closeFrame(code, reason));
    };
    upstream.once('end', hostLost);
    upstream.once('error', hostLost);
    upstream.once('close', hostLost);
    this.metrics.connectionOpened('streamer');
    client.once('close', () => this.metrics.connectionClosed('streamer'));
    this.diagnostics.open(
      {
        sessionId: session.sessionId,
        userId: session.userId,
        clientAddress: clientAddress(req, this.config.gateway.trustedProxies) ?? 'unknown',
        publicPath: path,
        upstreamUrl: `ws://${session.streamer!.host}:${session.streamer!.port}${path}`,
      },
      client,
      upstream,
      (code, reason) => {
        orderlyEnd = true;
        client.end(closeFrame(code, reason));
        client.once('finish', () => client.destroy());
        upstream.destroy();
      },
    );
  }

  private maxMessageBytes(path: string): number {
    const limits = this.config.gateway.webSocket.maxMessageBytes;
    switch (path) {
      case CAPTURE_PATH:
        return limits.capture;
      case AUDIO_PATH:
        return limits.audio;
      default:
        return limits.control;
    }
  }

  /** The streamer could not be reached: finish the handshake only to close it with a code and a reason. */
  private closeUnreachable(req: IncomingMessage, socket: Socket, error: Error): void {
    this.logger.warn({ err: error, url: req.url }, 'streamer unreachable for a WebSocket');
    if (socket.destroyed) return;
    const { code, reason } = closeCodes.BAD_GATEWAY;
    this.closer.handleUpgrade(req, socket, Buffer.alloc(0), (ws) => ws.close(code, reason));
  }

  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    // Browsers always send it; a client without one is not a page another site could have opened.
    if (origin === undefined) return true;
    // Behind a trusted reverse proxy the page's scheme is the proxy's, which X-Forwarded-Proto carries.
    const host = req.headers.host;
    const own =
      host === undefined ? undefined : `${clientProtocol(req, this.config.gateway.trustedProxies)}://${host}`;
    return origin === own || this.config.gateway.webSocket.allowedOrigins.includes(origin);
  }

  /** A peer known to be down (Redis) is a 503 with Retry-After, as on every other route; anything else a fault. */
  private failed(
    what: string,
    error: unknown,
    status: number,
    message: string,
    answer: (status: number, message: string, headers: Record<string, string>) => void,
  ): void {
    const known = classifyError(error);
    if (known.retryAfterSeconds !== undefined) {
      this.logger.warn({ reason: known.message }, `${what} refused: a peer is unavailable`);
      answer(known.status, known.message, { 'retry-after': String(known.retryAfterSeconds) });
      return;
    }
    // An answer someone chose (IAM unable to vouch for a token: 503), not a fault of the data plane's.
    if (error instanceof HttpException) {
      if (known.status >= 500) this.logger.warn({ reason: known.message }, `${what} refused`);
      answer(known.status, known.message, {});
      return;
    }
    this.logger.error({ err: error }, `${what} failed`);
    answer(status, message, {});
  }
}

/** How long a side whose peer is done may take to finish its close handshake before it is dropped. */
const CLOSE_GRACE_MS = 1_000;

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
