import { type IncomingMessage, type Server } from 'node:http';
import { type Duplex } from 'node:stream';
import {
  type BeforeApplicationShutdown,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  AUDIO_PATH,
  CAPTURE_PATH,
  CONTROL_PATH,
  type StreamerLaunch,
  SESSION_ID_HEADER,
  USER_ID_HEADER,
} from '@webstream/contracts';
import { refuseUpgrade, ServiceTracing } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { SessionEnd } from '../session/session-end';
import { InjectStreamerLaunch } from '../session/streamer-launch';
import { StreamerSecret } from '../session/streamer-secret';
import { AudioChannel } from './audio-channel';
import { CaptureChannel } from './capture-channel';
import { ClientHub } from './client-hub';
import { ControlChannel } from './control-channel';

/** Clipboard text up to the contract's 16 MiB, with room for its JSON envelope. */
const CONTROL_MAX_PAYLOAD = 17 * 1024 * 1024;
/** Capture and audio clients only send small requests. */
const MEDIA_MAX_PAYLOAD = 64 * 1024;

function endUpgradeSpan(span: Span | undefined, status: number, refusal?: string): void {
  if (span === undefined) return;
  span.setAttribute('http.response.status_code', status);
  if (refusal !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: refusal });
  span.end();
}

/**
 * The session's three WebSockets on the streamer's port. Only the gateway may open them: it presents the
 * session's secret and the session's id and user, which it injects after checking the browser's ticket.
 */
@Injectable()
export class SocketServer
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  // Frames are JPEGs and sound is small: compressing them again costs CPU for nothing.
  private readonly control = new WebSocketServer({
    noServer: true,
    maxPayload: CONTROL_MAX_PAYLOAD,
    perMessageDeflate: false,
  });
  private readonly media = new WebSocketServer({
    noServer: true,
    maxPayload: MEDIA_MAX_PAYLOAD,
    perMessageDeflate: false,
  });

  constructor(
    @InjectStreamerLaunch() private readonly launch: StreamerLaunch,
    private readonly adapterHost: HttpAdapterHost,
    private readonly secret: StreamerSecret,
    private readonly sessionEnd: SessionEnd,
    private readonly hub: ClientHub,
    private readonly capture: CaptureChannel,
    private readonly controlChannel: ControlChannel,
    private readonly audio: AudioChannel,
    private readonly logger: PinoLogger,
    private readonly tracing: ServiceTracing,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
    this.sessionEnd.onEnd(({ entry, detail }) => this.hub.closeAll(entry, detail));
  }

  beforeApplicationShutdown(): void {
    const { entry, detail } = this.sessionEnd.reason();
    this.hub.closeAll(entry, detail);
  }

  onApplicationShutdown(): void {
    this.control.close();
    this.media.close();
  }

  /** Each upgrade is a `streamer-agent.upgrade` span, the child of the gateway's `gateway.transport.send`. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const span = this.tracing.continueTrace(
      'upgrade',
      req.headers,
      { 'url.path': path, 'webstream.session_id': this.launch.sessionId },
      SpanKind.SERVER,
    );
    const refused = this.refusal(req, path);
    if (refused !== undefined) {
      const [status, message] = refused;
      endUpgradeSpan(span, status, message);
      refuseUpgrade(req, socket, status, message);
      return;
    }
    const server = path === CONTROL_PATH ? this.control : this.media;
    const accept = this.channelFor(path)!;
    server.handleUpgrade(req, socket, head, (ws) => {
      endUpgradeSpan(span, 101);
      this.logger.info({ path, clients: this.hub.count('capture') }, 'client connected');
      ws.on('error', (error) => this.logger.warn({ err: error, path }, 'client socket failed'));
      accept(ws, req);
    });
  }

  /** Why an upgrade is refused, in the order the contract lists (streamerUpgradeRefusals), or nothing. */
  private refusal(req: IncomingMessage, path: string): [status: number, message: string] | undefined {
    if (this.channelFor(path) === undefined) return [404, `no WebSocket at ${path}`];
    if (!this.secret.presentIn(req.headers))
      return [401, 'only the gateway, with this session’s secret, opens its sockets'];
    const { sessionId, contract } = this.launch;
    const sessionHeader = req.headers[SESSION_ID_HEADER];
    const userHeader = req.headers[USER_ID_HEADER.toLowerCase()];
    if (sessionHeader !== sessionId || userHeader !== contract.userId)
      return [403, `this streamer serves session ${sessionId} of another user`];
    if (this.sessionEnd.ended) return [410, 'the session has ended'];
    return undefined;
  }

  private channelFor(
    path: string | undefined,
  ): ((socket: WebSocket, req: IncomingMessage) => void) | undefined {
    if (path === CAPTURE_PATH) return (socket, req) => this.capture.accept(socket, req);
    if (path === CONTROL_PATH) return (socket) => this.controlChannel.accept(socket);
    if (path === AUDIO_PATH) return (socket, req) => this.audio.accept(socket, req);
    return undefined;
  }
}
