import { randomBytes, randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { type Duplex } from 'node:stream';
import {
  CAPTURE_PATH,
  CONTROL_PATH,
  AUDIO_PATH,
  encodeWorkspaceHeaders,
  errorCodeForStatus,
  SESSION_ID_HEADER,
  STREAMER_SECRET_HEADER,
  STREAMER_SOCKET_PATHS,
  type StreamerConnection,
  type StreamerLaunch,
  streamerDrainRoute,
  streamerEndRoute,
  type StreamerSocketPath,
  type StreamerUpgradeHeaders,
  streamerUpgradeHeadersSchema,
  streamerUpgradeRefusals,
} from '@webstream/contracts';
import { type WebSocket, WebSocketServer } from 'ws';
import { StandIn } from '../stand-in';

/** One socket the gateway opened on the stand-in: its path and the headers of its upgrade. */
export interface StreamerUpgrade {
  path: StreamerSocketPath;
  headers: IncomingHttpHeaders;
}

/**
 * A streamer: its sockets (/capture, /control, /audio) echo every message, and every upgrade is
 * parsed with the upgrade contract (streamerUpgradeHeadersSchema): one that breaks it is refused as a real
 * streamer would refuse it and recorded in `violations`, which a test can insist is empty. /streamer/end and
 * /streamer/drain are served from their definitions, behind the streamer secret.
 */
export class StandInStreamer {
  readonly streamerGuid = randomUUID();
  readonly streamerSecret = randomBytes(32).toString('base64url');
  readonly upgrades: StreamerUpgrade[] = [];
  /** Upgrades that broke the contract, and why. */
  readonly violations: string[] = [];
  /**
   * A message each socket sends as it opens, in the same TCP write as the upgrade's answer: as a real streamer's
   * first message (/audio's format) may reach the gateway together with the 101.
   */
  greeting: string | undefined;
  readonly sockets = new WebSocketServer({ noServer: true });
  private readonly standIn = new StandIn()
    .on(streamerEndRoute, (request) => this.refusal(request.headers) ?? { body: { ended: true as const } })
    .on(
      streamerDrainRoute,
      (request) =>
        this.refusal(request.headers) ?? {
          body: {
            endsAt: new Date(
              Date.now() + (request.body as { secondsLeft: number }).secondsLeft * 1000,
            ).toISOString(),
          },
        },
    )
    .onUpgrade((req, socket, head) => this.upgrade(req, socket, head));

  /** The sessions it was named for (connection()): an upgrade for another is refused with 403. */
  private readonly sessions = new Set<string>();

  constructor() {
    this.sockets.on('connection', (socket) => {
      socket.on('message', (data, binary) => socket.send(data as Buffer, { binary }));
    });
  }

  get url(): string {
    return this.standIn.url;
  }

  get port(): number {
    return Number(new URL(this.standIn.url).port);
  }

  /** What a session host answers on /getConnection naming this streamer for `sessionId`. */
  connection(sessionId: string): StreamerConnection {
    this.sessions.add(sessionId);
    return {
      sessionId,
      streamerGuid: this.streamerGuid,
      host: '127.0.0.1',
      port: this.port,
      streamerSecret: this.streamerSecret,
      paths: { capture: CAPTURE_PATH, control: CONTROL_PATH, audio: AUDIO_PATH },
    };
  }

  /** Its open sockets. */
  get clients(): Set<WebSocket> {
    return this.sockets.clients;
  }

  async start(): Promise<this> {
    await this.standIn.start();
    return this;
  }

  async stop(): Promise<void> {
    for (const client of this.sockets.clients) client.terminate();
    this.sockets.close();
    await this.standIn.stop();
  }

  private refusal(headers: IncomingHttpHeaders): { status: number; message: string } | undefined {
    return headers[STREAMER_SECRET_HEADER] === this.streamerSecret
      ? undefined
      : { status: 401, message: streamerUpgradeRefusals[401] };
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const refuse = (status: keyof typeof streamerUpgradeRefusals, why?: string): void => {
      if (why) this.violations.push(why);
      const body = JSON.stringify({
        error: { status, code: errorCodeForStatus(status), message: streamerUpgradeRefusals[status] },
      });
      socket.end(
        `HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    if (!(STREAMER_SOCKET_PATHS as readonly string[]).includes(path)) return refuse(404);
    const parsed = streamerUpgradeHeadersSchema.safeParse(req.headers);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      return refuse(401, `the upgrade of ${path} breaks the contract: ${fields.join('; ')}`);
    }
    if (parsed.data[STREAMER_SECRET_HEADER] !== this.streamerSecret) return refuse(401);
    const sessionId = parsed.data[SESSION_ID_HEADER];
    if (sessionId === undefined || !this.sessions.has(sessionId)) return refuse(403);
    this.upgrades.push({ path: path as StreamerSocketPath, headers: req.headers });
    const greeting = this.greeting;
    if (greeting !== undefined) socket.cork();
    this.sockets.handleUpgrade(req, socket, head, (ws) => {
      if (greeting !== undefined) {
        ws.send(greeting);
        process.nextTick(() => socket.uncork());
      }
      this.sockets.emit('connection', ws, req);
    });
  }
}

/**
 * The headers of an upgrade the gateway makes for `launch`'s session, as the upgrade contract has them
 * (parsed with it): what the streamer's own tests open its sockets with.
 */
export function upgradeHeadersFor(launch: StreamerLaunch): StreamerUpgradeHeaders {
  const contract = Object.fromEntries(
    Object.entries(encodeWorkspaceHeaders(launch.contract)).map(([name, value]) => [
      name.toLowerCase(),
      value,
    ]),
  );
  return streamerUpgradeHeadersSchema.parse({
    ...contract,
    [SESSION_ID_HEADER]: launch.sessionId,
    [STREAMER_SECRET_HEADER]: launch.streamerSecret,
  });
}
