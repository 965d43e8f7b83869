// What a browser, an administrator and a streamer do against the cluster of cluster.ts, over real sockets:
// JSON calls with the answering gateway's identity (nginx's X-Webstream-Upstream), session launches, and the
// session's WebSockets with the frames and the close code they saw.
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import {
  type AdminBackend,
  type AdminSession,
  decodeFrameMessage,
  type GetConnectionResponse,
  type SessionSelectRequest,
  type SessionStatusResponse,
} from '@webstream/contracts';
import WebSocket from 'ws';
import { until } from '@webstream/testing';

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  /** host:port of the gateway nginx passed the request to (empty when it did not go through nginx). */
  upstream: string;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  sessionId?: string;
  headers?: Record<string, string>;
}

/** One HTTP call; the body is parsed as JSON when it is JSON. Never throws on a status. */
export async function call<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.sessionId === undefined ? {} : { 'x-session-id': options.sessionId }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') body = JSON.parse(text);
  return {
    status: response.status,
    headers: response.headers,
    body: body as T,
    upstream: response.headers.get('x-webstream-upstream') ?? '',
  };
}

/** The call's body when it answered `status`, else an error that shows what it answered. */
export async function expectAnswer<T>(
  baseUrl: string,
  method: string,
  path: string,
  status: number,
  options: CallOptions = {},
): Promise<Answer<T>> {
  const answer = await call<T>(baseUrl, method, path, options);
  if (answer.status !== status) {
    throw new Error(
      `${method} ${baseUrl}${path}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`,
    );
  }
  return answer;
}

export async function login(iamUrl: string, username: string, password: string): Promise<string> {
  const { body } = await expectAnswer<{ accessToken: string }>(iamUrl, 'POST', '/iam/auth/login', 200, {
    body: { username, password },
  });
  return body.accessToken;
}

export async function backendsOn(gatewayUrl: string, token: string): Promise<AdminBackend[]> {
  return (
    await expectAnswer<{ items: AdminBackend[] }>(gatewayUrl, 'GET', '/gateway/admin/backends', 200, {
      token,
    })
  ).body.items;
}

export async function sessionsOn(gatewayUrl: string, token: string): Promise<AdminSession[]> {
  return (
    await expectAnswer<{ items: AdminSession[] }>(gatewayUrl, 'GET', '/gateway/admin/sessions', 200, {
      token,
    })
  ).body.items;
}

export async function licenceOn(
  gatewayUrl: string,
  token: string,
): Promise<{ valid: boolean; maxStreamers?: number; activeStreamers: number }> {
  return (
    await expectAnswer<{ valid: boolean; maxStreamers?: number; activeStreamers: number }>(
      gatewayUrl,
      'GET',
      '/gateway/admin/licence',
      200,
      { token },
    )
  ).body;
}

export async function statusOf(
  url: string,
  token: string,
  sessionId: string,
): Promise<Answer<SessionStatusResponse>> {
  return expectAnswer<SessionStatusResponse>(url, 'GET', '/gateway/session/status', 200, {
    token,
    sessionId,
  });
}

/** A WebSocket of the session, with what it received and how it closed. */
export class SessionSocket {
  readonly frames: { seq: number; bytes: number }[] = [];
  readonly texts: string[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) {
        this.texts.push(data.toString());
        return;
      }
      const { header, payload } = decodeFrameMessage(data);
      this.frames.push({ seq: header.seq, bytes: payload.length });
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
    socket.on('error', () => {
      // 'close' follows and says how it ended
    });
  }

  static open(baseUrl: string, path: string, ticket: string, sessionId: string): Promise<SessionSocket> {
    const url = `${baseUrl.replace(/^http/, 'ws')}${path}?ticket=${encodeURIComponent(ticket)}&sessionId=${encodeURIComponent(sessionId)}`;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const wrapped = new SessionSocket(socket);
      socket.once('open', () => resolve(wrapped));
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`${path}: the upgrade was answered ${res.statusCode}`)),
      );
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  async waitClosed(what: string, ms: number): Promise<{ code: number; reason: string }> {
    return until(`${what} to close`, () => this.closed, ms);
  }

  close(): void {
    if (this.closed === undefined) this.socket.terminate();
  }
}

export interface Launchable {
  workspaceId: string;
  workspaceType: SessionSelectRequest['workspaceType'];
  appId: string;
  appExe: string;
  appArgs: string;
}

/** A user's session through one address (nginx, or one gateway): select, connect, its sockets, release. */
export class ClientSession {
  readonly sessionId = `e2e-${randomUUID()}`;
  connection: GetConnectionResponse | undefined;
  capture: SessionSocket | undefined;
  control: SessionSocket | undefined;

  constructor(
    public baseUrl: string,
    readonly token: string,
    private readonly launchable: Launchable,
  ) {}

  /** POST /gateway/session/select, waiting out a 503 (no host can take it yet). */
  async select(): Promise<Answer> {
    const request: SessionSelectRequest = { ...this.launchable };
    let last: Answer | undefined;
    await until(
      'a session host to take the session',
      async () => {
        last = await call(this.baseUrl, 'POST', '/gateway/session/select', {
          token: this.token,
          sessionId: this.sessionId,
          body: request,
        });
        return last.status === 503 ? undefined : last;
      },
      20_000,
      500,
    );
    if (last?.status !== 200) {
      throw new Error(`select ${this.sessionId}: ${last?.status} ${JSON.stringify(last?.body)}`);
    }
    return last;
  }

  /** GET /getConnection: the host starts (or names) the streamer; fresh tickets. */
  async connect(): Promise<Answer<GetConnectionResponse>> {
    const answer = await expectAnswer<GetConnectionResponse>(this.baseUrl, 'GET', '/getConnection', 200, {
      token: this.token,
      sessionId: this.sessionId,
    });
    this.connection = answer.body;
    return answer;
  }

  /**
   * Opens /capture and /control with the tickets of the last connect, where it said (the gateway beside the
   * session's host, in the redirect topology) or else where it was asked, and waits for a first frame.
   */
  async openSockets(): Promise<void> {
    if (this.connection === undefined) throw new Error('connect first');
    const gateway = this.connection.gatewayUrl ?? this.baseUrl;
    this.capture = await SessionSocket.open(
      gateway,
      '/capture',
      this.connection.tickets.capture,
      this.sessionId,
    );
    this.control = await SessionSocket.open(
      gateway,
      '/control',
      this.connection.tickets.control,
      this.sessionId,
    );
    await this.framesAfter(0, 'a first frame');
  }

  /** Moves the pointer (the synthetic picture follows it) until `count` frames have arrived in all. */
  async framesAfter(count: number, what: string, ms = 15_000): Promise<void> {
    let x = 10;
    await until(
      what,
      () => {
        if ((this.capture?.frames.length ?? 0) > count) return true;
        x = (x + 37) % 600;
        this.control?.send({ type: 'pointer', action: 'move', x, y: 40 + (x % 300), button: 0, buttons: 0 });
        return undefined;
      },
      ms,
      200,
    );
  }

  /** Select, connect and open the sockets. */
  async launch(): Promise<this> {
    await this.select();
    await this.connect();
    await this.openSockets();
    return this;
  }

  status(): Promise<Answer<SessionStatusResponse>> {
    return statusOf(this.baseUrl, this.token, this.sessionId);
  }

  async release(): Promise<void> {
    await expectAnswer(this.baseUrl, 'POST', '/gateway/session/release', 200, {
      token: this.token,
      sessionId: this.sessionId,
      body: { sessionId: this.sessionId },
    });
  }

  closeSockets(): void {
    this.capture?.close();
    this.control?.close();
  }
}

/** Closes and releases the sessions a test started (and forgets them), whatever state the test left them in. */
export async function releaseAll(started: ClientSession[]): Promise<void> {
  for (const session of started.splice(0)) {
    session.closeSockets();
    await session.release().catch(() => undefined);
  }
}

/** The streamer processes of a session (its id is on their command line, never in their environment). */
export async function streamerPids(sessionId: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('streamer-agent/dist/main.js')) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (cmdline.split('\0').includes(sessionId)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export interface Account {
  id: string;
  username: string;
  token: string;
}

export interface Provisioned {
  launchable: Launchable;
  orgId: string;
  /** A new account of the organization, signed in (role user unless said otherwise). */
  account(role?: 'user' | 'platform-admin'): Promise<Account>;
}

/**
 * An organization with one application in one workspace, through IAM's API as the platform admin; each
 * account made later is entitled to the workspace.
 */
export async function provision(iamUrl: string, adminToken: string): Promise<Provisioned> {
  const suffix = randomUUID().slice(0, 8);
  const post = async <T>(path: string, body: unknown): Promise<T> =>
    (await expectAnswer<T>(iamUrl, 'POST', path, 201, { token: adminToken, body })).body;
  const org = await post<{ id: string }>('/iam/organizations', {
    name: `E2E ${suffix}`,
    slug: `e2e-${suffix}`,
  });
  const application = await post<{ id: string; exe: string; args: string }>('/iam/applications', {
    orgId: org.id,
    name: `Terminal ${suffix}`,
    exe: '/usr/bin/xterm',
    args: '',
  });
  const workspace = await post<{ id: string; type: 'app' | 'desktop' }>('/iam/workspaces', {
    orgId: org.id,
    name: `Workspace ${suffix}`,
    applicationIds: [application.id],
  });
  let made = 0;
  return {
    orgId: org.id,
    launchable: {
      workspaceId: workspace.id,
      workspaceType: workspace.type,
      appId: application.id,
      appExe: application.exe,
      appArgs: application.args,
    },
    async account(role = 'user') {
      made += 1;
      const username = `${role === 'user' ? 'user' : 'ops'}${made}-${suffix}`;
      const password = `${randomUUID()}-Pw`;
      const user = await post<{ id: string }>('/iam/users', {
        ...(role === 'user' ? { orgId: org.id } : {}),
        username,
        password,
        role,
      });
      if (role === 'user') await post('/iam/entitlements', { workspaceId: workspace.id, userId: user.id });
      return { id: user.id, username, token: await login(iamUrl, username, password) };
    },
  };
}
