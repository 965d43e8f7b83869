import {
  AUDIO_CODECS_QUERY_PARAM,
  type AudioCodec,
  CAPTURE_CODECS_QUERY_PARAM,
  type CaptureClientMessage,
  type ControlClientMessage,
  getConnectionRoute,
  type GetConnectionResponse,
  SESSION_ID_HEADER,
  sessionStatusRoute,
  type SessionStatusResponse,
  type VideoCodec,
} from '@webstream/contracts';
import { ApiError, session } from '../api/http';
import { type Channel, dispatchMessage, type MessageEvents, RecentErrors } from './channel-messages';
import {
  type CloseOutcome,
  connectionErrorMessage,
  decideReconnect,
  describeClose,
  MAX_RECONNECT_ATTEMPTS,
  retryDelayMs,
} from './close-reasons';
import { type LaunchRecord, selectErrorMessage, selectSession } from './launch';
import { sessionTraceparent } from './session-trace';
import { socketUrl } from './socket-url';

export type Phase = 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'failed';

export interface ConnectionView {
  phase: Phase;
  /** Why the page is not connected (a close reason, a refusal, the ended reason). */
  message?: string;
  detail?: string;
}

export interface StreamEvents extends MessageEvents {
  view(view: ConnectionView): void;
  /** /capture and /control are both open. */
  opened(): void;
  /** The /audio socket closed while the session goes on. */
  audioClosed(outcome: CloseOutcome): void;
}

const PING_INTERVAL_MS = 2000;
/** A connection that stayed up this long starts the backoff over on its next drop. */
const STABLE_AFTER_MS = 10_000;

/**
 * One session's sockets: /getConnection for tickets, /capture, /control and /audio opened with them, pings,
 * and — when a socket closes for a reason worth retrying — the reconnect preflight (session status, select
 * again if the gateway forgot the session, fresh tickets) with exponential backoff.
 */
export class StreamConnection {
  private generation = 0;
  private sockets: Partial<Record<Channel, WebSocket>> = {};
  private readonly errors = new RecentErrors();
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private attempt = 0;
  private disposed = false;
  private phase: Phase = 'connecting';

  constructor(
    private readonly sessionId: string,
    private readonly launch: () => LaunchRecord | undefined,
    private readonly events: StreamEvents,
    private readonly options: {
      /** Whether the user has sound on: /audio is open only then. */
      audio: () => boolean;
      /** What this browser decodes, best first; the streamer picks the first the workspace allows. */
      codecs: () => readonly VideoCodec[];
      /** The sound codecs this browser plays, best first. */
      audioCodecs: () => readonly AudioCodec[];
    },
  ) {}

  start(): void {
    void this.connect();
  }

  /** After the page gave up (failed): try again from the preflight. */
  retry(): void {
    if (this.disposed || (this.phase !== 'failed' && this.phase !== 'ended')) return;
    this.attempt = 0;
    this.setView({ phase: 'reconnecting', message: 'Reconnecting…' });
    void this.preflight(++this.generation);
  }

  /**
   * Sound on opens /audio (with a fresh ticket), sound off closes it: nothing is captured or sent for a page that
   * does not play it.
   */
  setAudio(on: boolean): void {
    const socket = this.sockets.audio;
    if (!on) {
      if (socket === undefined) return;
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.close(1000);
      delete this.sockets.audio;
      return;
    }
    if (socket !== undefined || this.phase !== 'connected') return;
    const generation = this.generation;
    session
      .call(
        getConnectionRoute,
        { headers: this.headers() },
        { traceparent: sessionTraceparent(this.sessionId) },
      )
      .then(
        (connection) => {
          if (generation !== this.generation || this.disposed || !this.options.audio()) return;
          if (this.sockets.audio === undefined)
            this.openSocket(generation, connection, 'audio', () => undefined);
        },
        (error: unknown) => {
          if (generation === this.generation)
            this.events.audioClosed({ ...describeClose(1006), message: connectionErrorMessage(error) });
        },
      );
  }

  sendControl(message: ControlClientMessage): boolean {
    return this.send('control', message);
  }

  sendCapture(message: CaptureClientMessage): boolean {
    return this.send('capture', message);
  }

  /** Bytes the control socket still holds: pointer moves are skipped while it is backed up. */
  get controlBacklog(): number {
    return this.sockets.control?.bufferedAmount ?? 0;
  }

  dispose(): void {
    this.disposed = true;
    this.generation += 1;
    this.closeSockets();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private send(channel: Channel, message: object): boolean {
    const socket = this.sockets[channel];
    if (socket?.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  private setView(view: ConnectionView): void {
    this.phase = view.phase;
    if (!this.disposed) this.events.view(view);
  }

  private headers(): { [SESSION_ID_HEADER]: string } {
    return { [SESSION_ID_HEADER]: this.sessionId };
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    if (this.phase !== 'reconnecting') this.setView({ phase: 'connecting' });
    let connection: GetConnectionResponse;
    try {
      connection = await session.call(
        getConnectionRoute,
        { headers: this.headers() },
        { traceparent: sessionTraceparent(this.sessionId) },
      );
    } catch (error) {
      if (generation !== this.generation || this.disposed) return;
      if (error instanceof ApiError && error.status === 404) {
        // Unknown or ended: the preflight tells which, and selects again when it may.
        void this.preflight(generation);
      } else if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        this.end(
          error.status === 401
            ? 'You are signed out. Sign in again to continue.'
            : 'You may not open this session.',
          error.message,
        );
      } else {
        this.retryLater(connectionErrorMessage(error), error);
      }
      return;
    }
    if (generation !== this.generation || this.disposed) return;
    this.open(generation, connection);
  }

  private open(generation: number, connection: GetConnectionResponse): void {
    this.errors.clear();
    const channels: Channel[] = this.options.audio()
      ? ['capture', 'control', 'audio']
      : ['capture', 'control'];
    let pendingOpen = 2;
    for (const channel of channels) {
      this.openSocket(generation, connection, channel, () => {
        if (channel === 'audio') return;
        pendingOpen -= 1;
        if (pendingOpen === 0) this.opened(generation);
      });
    }
  }

  private openSocket(
    generation: number,
    connection: GetConnectionResponse,
    channel: Channel,
    onOpen: () => void,
  ): void {
    const query: Record<string, string> =
      channel === 'capture'
        ? { [CAPTURE_CODECS_QUERY_PARAM]: this.options.codecs().join(',') }
        : channel === 'audio'
          ? { [AUDIO_CODECS_QUERY_PARAM]: this.options.audioCodecs().join(',') }
          : {};
    const socket = new WebSocket(
      socketUrl(
        connection.gatewayUrl,
        connection.paths[channel],
        connection.tickets[channel],
        this.sessionId,
        query,
      ),
    );
    socket.binaryType = 'arraybuffer';
    this.sockets[channel] = socket;
    socket.onopen = () => {
      if (generation === this.generation) onOpen();
    };
    socket.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (generation === this.generation)
        dispatchMessage(channel, event.data, this.events, (error) => this.errors.note(channel, error));
    };
    socket.onclose = (event) => {
      if (generation === this.generation) this.closed(channel, event.code);
    };
  }

  private opened(generation: number): void {
    this.setView({ phase: 'connected' });
    this.events.opened();
    clearInterval(this.pingTimer);
    this.ping();
    this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.later(() => {
      if (generation === this.generation) this.attempt = 0;
    }, STABLE_AFTER_MS);
  }

  private ping(): void {
    this.sendControl({ type: 'ping', t: performance.now() });
  }

  private closed(channel: Channel, code: number): void {
    const outcome = this.errors.describeClose(channel, code);
    if (channel === 'audio') {
      delete this.sockets.audio;
      this.events.audioClosed(outcome);
      return;
    }
    // Capture or control is gone: the session view cannot go on with the other alone.
    this.generation += 1;
    this.closeSockets();
    if (!outcome.reconnect) {
      this.end(outcome.message, outcome.detail);
      return;
    }
    this.retryLater(outcome.message, undefined, outcome.detail);
  }

  private closeSockets(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    for (const socket of Object.values(this.sockets)) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN)
        socket.close(1000);
    }
    this.sockets = {};
  }

  private end(message: string, detail?: string): void {
    this.generation += 1;
    this.closeSockets();
    this.setView({ phase: 'ended', message, ...(detail ? { detail } : {}) });
  }

  /** Waits (backoff, or the server's Retry-After when longer) and runs the preflight; gives up after a while. */
  private retryLater(message: string, error?: unknown, detail?: string): void {
    if (this.disposed) return;
    if (this.attempt >= MAX_RECONNECT_ATTEMPTS) {
      this.setView({
        phase: 'failed',
        message: `The session could not be reconnected. ${message}`,
        ...(detail ? { detail } : {}),
      });
      return;
    }
    const delay = retryDelayMs(this.attempt, error);
    this.attempt += 1;
    this.setView({ phase: 'reconnecting', message, ...(detail ? { detail } : {}) });
    const generation = ++this.generation;
    this.later(() => void this.preflight(generation), delay);
  }

  /** GET /gateway/session/status, then connect, select again, wait or stop. */
  private async preflight(generation: number): Promise<void> {
    let status: SessionStatusResponse;
    try {
      status = await session.call(sessionStatusRoute, { headers: this.headers() });
    } catch (error) {
      if (generation !== this.generation || this.disposed) return;
      if (error instanceof ApiError && error.status === 401) {
        this.end('You are signed out. Sign in again to continue.');
      } else if (error instanceof ApiError && error.status === 403) {
        this.end('You may not open this session.', error.message);
      } else {
        this.retryLater(connectionErrorMessage(error), error);
      }
      return;
    }
    if (generation !== this.generation || this.disposed) return;
    const launch = this.launch();
    const decision = decideReconnect(status, launch !== undefined);
    switch (decision.action) {
      case 'stop':
        this.end(decision.message);
        return;
      case 'wait':
        this.retryLater(decision.message);
        return;
      case 'select':
        try {
          await selectSession(this.sessionId, launch!.request);
        } catch (error) {
          if (generation !== this.generation || this.disposed) return;
          const message = selectErrorMessage(error);
          if (
            error instanceof ApiError &&
            (error.status === 409 || error.status === 403 || error.status === 400)
          ) {
            this.end(message);
          } else {
            this.retryLater(message, error);
          }
          return;
        }
        if (generation !== this.generation || this.disposed) return;
        void this.connect();
        return;
      case 'connect':
        void this.connect();
        return;
    }
  }

  private later(callback: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.disposed) callback();
    }, ms);
    this.timers.add(timer);
  }
}
