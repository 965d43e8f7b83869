import { type IncomingMessage, type Server } from 'node:http';
import { type Duplex } from 'node:stream';
import {
  type BeforeApplicationShutdown,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  AUDIO_PATH,
  CAPTURE_PATH,
  CONTROL_PATH,
  type StreamerLaunch,
  SESSION_ID_HEADER,
  USER_ID_HEADER,
} from '@webstream/contracts';
import { refuseUpgrade } from '@webstream/service-kit';
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

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    const accept = this.channelFor(path);
    if (accept === undefined) {
      refuseUpgrade(req, socket, 404, `no WebSocket at ${path}`);
      return;
    }
    if (!this.secret.presentIn(req.headers)) {
      refuseUpgrade(req, socket, 401, 'only the gateway, with this session’s secret, opens its sockets');
      return;
    }
    const { sessionId, contract } = this.launch;
    const sessionHeader = req.headers[SESSION_ID_HEADER];
    const userHeader = req.headers[USER_ID_HEADER.toLowerCase()];
    if (sessionHeader !== sessionId || userHeader !== contract.userId) {
      refuseUpgrade(req, socket, 403, `this streamer serves session ${sessionId} of another user`);
      return;
    }
    if (this.sessionEnd.ended) {
      refuseUpgrade(req, socket, 410, 'the session has ended');
      return;
    }
    const server = path === CONTROL_PATH ? this.control : this.media;
    server.handleUpgrade(req, socket, head, (ws) => {
      this.logger.info({ path, clients: this.hub.count('capture') }, 'client connected');
      ws.on('error', (error) => this.logger.warn({ err: error, path }, 'client socket failed'));
      accept(ws, req);
    });
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
