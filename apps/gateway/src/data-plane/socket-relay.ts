import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Socket } from 'node:net';
import { type Duplex } from 'node:stream';
import { type BeforeApplicationShutdown, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  AUDIO_PATH,
  CAPTURE_PATH,
  closeCodes,
  CONTROL_PATH,
  STREAMER_SECRET_HEADER,
  WS_TICKET_QUERY_PARAM,
} from '@webstream/contracts';
import { closeFrame, InjectConfig, refuseUpgrade, ServiceTracing } from '@webstream/service-kit';
import { createProxyMiddleware, type RequestHandler } from 'http-proxy-middleware';
import { PinoLogger } from 'nestjs-pino';
import { WebSocketServer } from 'ws';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { type SessionRecord, SessionStore } from '../sessions/session-record';
import { clientAddress, clientProtocol } from '../tls/trusted-proxies';
import { InboundMessageLimit } from './inbound-message-limit';
import {
  injectSessionHeaders,
  pathOf,
  PROXY_PLUGINS,
  type RoutedRequest,
  redirectPublicUrl,
  traceTransport,
} from './upstream-request';
import { WebSocketDiagnostics } from './ws-diagnostics';
import { TicketStore } from './ws-tickets';

const SOCKET_PATHS = new Set<string>([CAPTURE_PATH, CONTROL_PATH, AUDIO_PATH]);
/** How long a side whose peer is done may take to finish its close handshake before it is dropped. */
const CLOSE_GRACE_MS = 1_000;

/**
 * The /capture, /control and /audio WebSockets: each opened with a single-use ticket from /getConnection and
 * relayed to the session's streamer with the workspace contract and the session's secret.
 */
@Injectable()
export class SocketRelay implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly socketProxy: RequestHandler;
  // Only to finish a handshake in order to close it with a code and a reason.
  private readonly closer = new WebSocketServer({ noServer: true });
  /** In the redirect topology, this gateway's public URL: it relays the sockets of its host's sessions only. */
  private readonly ownPublicUrl: string | undefined;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    private readonly sessions: SessionStore,
    private readonly tickets: TicketStore,
    private readonly diagnostics: WebSocketDiagnostics,
    private readonly rateLimiter: RateLimiter,
    private readonly metrics: GatewayMetrics,
    private readonly tracing: ServiceTracing,
    private readonly logger: PinoLogger,
  ) {
    this.ownPublicUrl = redirectPublicUrl(config);
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
          injectSessionHeaders(proxyReq, req, session);
          proxyReq.setHeader(STREAMER_SECRET_HEADER, session.streamer!.secret);
          traceTransport(this.tracing, proxyReq);
          const limit = this.config.gateway.webSocket.upstreamConnectTimeout * 1000;
          proxyReq.setTimeout(limit, () => proxyReq.destroy(new Error(`no answer within ${limit} ms`)));
        },
        error: (error, req, target) => {
          if (!('writeHead' in target)) this.closeUnreachable(req, target, error);
        },
      },
    });
  }

  // Before the HTTP server closes: it would otherwise wait for every relayed socket to end by itself.
  beforeApplicationShutdown(): void {
    const { code, reason } = closeCodes.GOING_AWAY;
    this.diagnostics.closeAll(code, reason);
  }

  onApplicationShutdown(): void {
    this.closer.close();
  }

  /** An upgrade of /capture, /control or /audio, once its correlation id and span are current. */
  async serve(req: RoutedRequest, socket: Duplex, head: Buffer): Promise<void> {
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
    // Only once http-proxy has put back what came in the packet of the upgrade's answer (the streamer's first
    // message, such as /audio's format): a 'data' listener makes the socket flow, and a chunk put back into a
    // flowing socket goes to the listeners it has, this one alone, before the pipe is there: lost to the browser.
    process.nextTick(() =>
      upstream.on('data', (chunk: Buffer) => {
        if ((chunk[0]! & 0x0f) === 0x08) orderlyEnd = true;
      }),
    );
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
}
