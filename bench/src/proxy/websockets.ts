// The bench's WebSocket clients (`ws`): echo clients that ping-pong one message at a time, and many idle
// sockets opened a bounded number at a time, each remembering how it closed.
import { WebSocket } from 'ws';
import { type CallOutcome } from '../iam/load';

const OPEN_TIMEOUT_MS = 30_000;

/** Opens a WebSocket; rejects with the status and body when the upgrade is refused. */
export function openSocket(url: string, timeoutMs = OPEN_TIMEOUT_MS): Promise<WebSocket> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const failWith = (error: Error): void => {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      fail(error);
    };
    ws.once('open', () => {
      ws.removeAllListeners();
      done(ws);
    });
    ws.once('error', failWith);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        failWith(new Error(`upgrade refused: HTTP ${res.statusCode}: ${body.slice(0, 200)}`)),
      );
      res.on('error', failWith);
    });
  });
}

/** One socket sending a message and awaiting its echo before the next (a closed loop of one). */
export class EchoClient {
  private pending: ((outcome: CallOutcome) => void) | undefined;
  private expected = 0;
  closeCode: number | undefined;
  closeReason = '';
  errors: string[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const done = this.pending;
      this.pending = undefined;
      done?.(
        data.length === this.expected
          ? { ok: true }
          : { ok: false, problem: `an echo of ${data.length} bytes for ${this.expected}` },
      );
    });
    ws.on('error', (error) => this.errors.push(error.message));
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString('utf8');
      const done = this.pending;
      this.pending = undefined;
      done?.({ ok: false, problem: `the socket closed (${code} ${this.closeReason})` });
    });
  }

  roundTrip(payload: Buffer): Promise<CallOutcome> {
    if (this.ws.readyState !== WebSocket.OPEN) {
      return Promise.resolve({
        ok: false,
        problem: `the socket is not open (closed ${this.closeCode ?? '?'} ${this.closeReason})`,
      });
    }
    return new Promise((done) => {
      this.pending = done;
      this.expected = payload.length;
      this.ws.send(payload, { binary: true });
    });
  }
}

/** Sockets held open, each remembering how it closed. */
export class SocketPool {
  readonly sockets: WebSocket[] = [];
  /** Close codes the clients saw, by code (1005: a close frame without one; 1006: no close frame). */
  readonly closeCodes: Record<string, number> = {};
  /** Sockets that closed before the bench closed them, by code and reason. */
  readonly closedEarly: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  /** Upgrades that failed, by what came back. */
  readonly failures: Record<string, number> = {};
  private closing = false;
  private open = 0;

  /** Sockets open now. */
  get openCount(): number {
    return this.open;
  }

  /**
   * Opens `total` more sockets, `parallel` at a time, the i-th at `urlOf(i)` (which may fetch a ticket
   * first). Failures are counted, not thrown; answers how many opened.
   */
  async openMany(
    total: number,
    parallel: number,
    urlOf: (i: number) => Promise<string>,
    onProgress?: (opened: number) => void,
  ): Promise<number> {
    let next = 0;
    let opened = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        try {
          this.add(await openSocket(await urlOf(i)));
          opened += 1;
          onProgress?.(opened);
        } catch (error) {
          const problem = error instanceof Error ? error.message : String(error);
          this.failures[problem] = (this.failures[problem] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return opened;
  }

  /** Closes every socket with `code` and waits (at most `timeoutMs`) until each has closed. */
  async closeAll(code = 1000, reason = 'bench done', timeoutMs = 30_000): Promise<number> {
    this.closing = true;
    const closed = this.sockets.map(
      (ws) =>
        new Promise<void>((done) => {
          if (ws.readyState === WebSocket.CLOSED) return done();
          ws.once('close', () => done());
          ws.close(code, reason);
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise((done) => (timer = setTimeout(done, timeoutMs)))]);
    clearTimeout(timer);
    const left = this.open;
    for (const ws of this.sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    return left;
  }

  private add(ws: WebSocket): void {
    this.open += 1;
    this.sockets.push(ws);
    ws.on('error', (error) => (this.errors[error.message] = (this.errors[error.message] ?? 0) + 1));
    ws.on('close', (code, reason) => {
      this.open -= 1;
      this.closeCodes[code] = (this.closeCodes[code] ?? 0) + 1;
      if (!this.closing) {
        const key = `${code} ${reason.toString('utf8')}`.trim();
        this.closedEarly[key] = (this.closedEarly[key] ?? 0) + 1;
      }
    });
  }
}
