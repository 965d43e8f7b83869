// The proxy suite's upstreams, each run as its own child process (started by upstreams.ts through
// ServiceProcess, with tsx preloaded) so that neither shares an event loop with the load generator:
//
//   BENCH_UPSTREAM_ROLE=host      a stand-in session host: GET /getConnection answers the streamer's address
//                                 ({sessionId, streamerGuid, host, port, paths}) for the X-Session-ID it is sent;
//                                 GET /health answers the gateway's probes as getBackendHealth's contract says,
//                                 with BENCH_HOST_MAX_SESSIONS as its capacity.
//   BENCH_UPSTREAM_ROLE=streamer  a `ws` server echoing every message on /capture, /control and /audio.
//
// Both answer GET /health/ready (ServiceProcess waits for it) and GET /stats (what they saw, as JSON), and
// listen on 127.0.0.1 at BENCH_UPSTREAM_PORT. The host names BENCH_STREAMER_PORT as its streamer's port.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  AUDIO_PATH,
  type BackendHealthResponse,
  CAPTURE_PATH,
  CONTROL_PATH,
  SESSION_ID_HEADER,
  type StreamerConnection,
  WORKSPACE_CONTRACT_HEADERS,
} from '@webstream/contracts';
import { CORRELATION_ID_HEADER } from '@webstream/service-kit';
import { WebSocketServer } from 'ws';

export const UPSTREAM_ROLE_KEY = 'BENCH_UPSTREAM_ROLE';
export const UPSTREAM_PORT_KEY = 'BENCH_UPSTREAM_PORT';
export const STREAMER_PORT_KEY = 'BENCH_STREAMER_PORT';
export const HOST_MAX_SESSIONS_KEY = 'BENCH_HOST_MAX_SESSIONS';

/** What the stand-in session host has seen (GET /stats). */
export interface HostStats {
  getConnection: number;
  /** /getConnection requests that carried the workspace contract headers (only the gateway injects them). */
  withContract: number;
  /** /getConnection requests without a usable X-Session-ID (answered 400). */
  withoutSessionId: number;
  /**
   * /getConnection requests by the X-Correlation-ID they carried, counted under its part before the last "-"
   * (the bench sends `<prefix>-<n>`, one prefix a run and a kind); `(none)` for requests without one.
   */
  correlationIds: Record<string, number>;
  probes: number;
  other: number;
}

/** What the echo streamer has seen (GET /stats). */
export interface StreamerStats {
  /** WebSockets open now, and ever opened. */
  open: number;
  opened: number;
  messages: number;
  bytes: number;
  /** Close codes the streamer received (or 1006 when a socket ended without a close frame), by code. */
  closeCodes: Record<string, number>;
  /** Upgrades refused (a path other than the three). */
  refused: number;
  errors: Record<string, number>;
}

const SOCKET_PATHS = new Set([CAPTURE_PATH, CONTROL_PATH, AUDIO_PATH]);

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function common(req: IncomingMessage, res: ServerResponse, stats: () => unknown): boolean {
  if (req.method !== 'GET') return false;
  if (req.url === '/health/ready') {
    json(res, 200, { status: 'healthy' });
    return true;
  }
  if (req.url === '/stats') {
    json(res, 200, stats());
    return true;
  }
  return false;
}

function runHost(port: number, streamerPort: number, maxSessions: number): void {
  // No streamer really runs: the host is always empty, and its capacity is what it registered with.
  const health = JSON.stringify({
    status: 'healthy',
    activeSessions: 0,
    maxSessions,
    captureTools: {},
    problems: [],
  } satisfies BackendHealthResponse);
  const stats: HostStats = {
    getConnection: 0,
    withContract: 0,
    withoutSessionId: 0,
    correlationIds: {},
    probes: 0,
    other: 0,
  };
  const streamerGuid = randomUUID();
  // Everything but the session id is the same for every answer: built once.
  const after = JSON.stringify({
    streamerGuid,
    host: '127.0.0.1',
    port: streamerPort,
    streamerSecret: randomBytes(32).toString('base64url'),
    paths: { capture: CAPTURE_PATH, control: CONTROL_PATH, audio: AUDIO_PATH },
  } satisfies Omit<StreamerConnection, 'sessionId'>).slice(1);
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/getConnection') {
      stats.getConnection += 1;
      if (req.headers[WORKSPACE_CONTRACT_HEADERS[0]] !== undefined) stats.withContract += 1;
      const correlationId = req.headers[CORRELATION_ID_HEADER];
      const prefix =
        typeof correlationId === 'string'
          ? correlationId.slice(0, Math.max(0, correlationId.lastIndexOf('-')))
          : '(none)';
      stats.correlationIds[prefix] = (stats.correlationIds[prefix] ?? 0) + 1;
      const sessionId = req.headers[SESSION_ID_HEADER];
      if (typeof sessionId !== 'string' || !/^[A-Za-z0-9_-]{8,128}$/.test(sessionId)) {
        stats.withoutSessionId += 1;
        json(res, 400, { error: 'X-Session-ID is required' });
        return;
      }
      const body = `{"sessionId":"${sessionId}",${after}`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (req.method === 'GET' && req.url === '/health') {
      stats.probes += 1;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(health) });
      res.end(health);
      return;
    }
    if (common(req, res, () => stats)) return;
    stats.other += 1;
    json(res, 404, { error: `no ${req.method} ${req.url}` });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1');
}

function runStreamer(port: number): void {
  const stats: StreamerStats = {
    open: 0,
    opened: 0,
    messages: 0,
    bytes: 0,
    closeCodes: {},
    refused: 0,
    errors: {},
  };
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server = createServer((req, res) => {
    if (!common(req, res, () => stats)) json(res, 404, { error: `no ${req.method} ${req.url}` });
  });
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!SOCKET_PATHS.has(path)) {
      stats.refused += 1;
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      stats.open += 1;
      stats.opened += 1;
      ws.on('message', (data: Buffer, isBinary) => {
        stats.messages += 1;
        stats.bytes += data.length;
        ws.send(data, { binary: isBinary });
      });
      ws.on('error', (error) => {
        stats.errors[error.message] = (stats.errors[error.message] ?? 0) + 1;
      });
      ws.on('close', (code) => {
        stats.open -= 1;
        stats.closeCodes[code] = (stats.closeCodes[code] ?? 0) + 1;
      });
    });
  });
  server.listen(port, '127.0.0.1');
}

function main(role: string): void {
  const port = Number(process.env[UPSTREAM_PORT_KEY]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`${UPSTREAM_PORT_KEY} must be a port`);
  if (role === 'host') {
    const streamerPort = Number(process.env[STREAMER_PORT_KEY]);
    if (!Number.isInteger(streamerPort) || streamerPort <= 0)
      throw new Error(`${STREAMER_PORT_KEY} must be a port`);
    const maxSessions = Number(process.env[HOST_MAX_SESSIONS_KEY]);
    if (!Number.isInteger(maxSessions) || maxSessions <= 0)
      throw new Error(`${HOST_MAX_SESSIONS_KEY} must be a whole number above 0`);
    runHost(port, streamerPort, maxSessions);
  } else if (role === 'streamer') {
    runStreamer(port);
  } else {
    throw new Error(`${UPSTREAM_ROLE_KEY} must be host or streamer, not ${JSON.stringify(role)}`);
  }
}

// Only in the child process (the bench itself imports the types and keys above).
const role = process.env[UPSTREAM_ROLE_KEY];
if (role !== undefined) main(role);
