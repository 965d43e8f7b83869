import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type BackendHealthResponse } from '@webstream/contracts';

/** How it answers /health: as a host would (ok, degraded), with an error, never, or with a body no host sends. */
export type FakeBackendMode = 'ok' | 'degraded' | 'fail' | 'hang' | 'malformed';

export interface FakeProbe {
  /** Date.now() when the probe arrived. */
  at: number;
  mode: FakeBackendMode;
  /** What `observe` answered when the probe arrived (e.g. the gateway's health view before this probe). */
  observed: string | undefined;
}

/** The gateway's request to end one of the host's sessions (POST /session/end). */
export interface FakeSessionEnd {
  sessionId: string;
  reason: string;
  token: string | undefined;
}

/**
 * A session host's /health as a real HTTP server, recording every probe it receives, and the session ends the
 * gateway asks of it.
 */
export class FakeBackend {
  mode: FakeBackendMode = 'ok';
  readonly probes: FakeProbe[] = [];
  readonly ends: FakeSessionEnd[] = [];
  observe: (() => string) | undefined;

  private readonly server: Server;
  private port = 0;

  private constructor() {
    this.server = createServer((req, res) => {
      if (req.url === '/session/end' && req.method === 'POST') this.end(req, res);
      else this.answer(req.url ?? '', res);
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(mode: FakeBackendMode = 'ok'): Promise<FakeBackend> {
    const backend = new FakeBackend();
    backend.mode = mode;
    await new Promise<void>((resolve) => backend.server.listen(0, '127.0.0.1', resolve));
    backend.port = (backend.server.address() as AddressInfo).port;
    return backend;
  }

  /** Milliseconds between consecutive probes, from probe `from` (0-based) on. */
  gaps(from = 0, to = this.probes.length): number[] {
    const at = this.probes.slice(from, to).map((probe) => probe.at);
    return at.slice(1).map((time, index) => time - at[index]!);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private end(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { sessionId, reason } = JSON.parse(body) as { sessionId: string; reason: string };
      this.ends.push({ sessionId, reason, token: req.headers['x-backend-token'] as string | undefined });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ended: true }));
    });
  }

  private answer(path: string, res: ServerResponse): void {
    if (path !== '/health') {
      res.writeHead(404).end();
      return;
    }
    this.probes.push({ at: Date.now(), mode: this.mode, observed: this.observe?.() });
    switch (this.mode) {
      case 'ok':
      case 'degraded': {
        const health: BackendHealthResponse = {
          status: this.mode === 'ok' ? 'healthy' : 'degraded',
          activeSessions: 0,
          maxSessions: 10,
          captureTools: { xvfb: true, ffmpeg: true },
          problems: this.mode === 'ok' ? [] : ['no display can be captured'],
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(health));
        return;
      }
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
        return;
      case 'fail':
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'down' }));
        return;
      case 'hang':
        return;
    }
  }
}
