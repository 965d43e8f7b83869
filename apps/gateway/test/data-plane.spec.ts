import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { type GetConnectionResponse, type TokenResponse } from '@webstream/contracts';
import { type TestService } from '@webstream/service-kit/testing';
import { StandInSessionHost, StandInStreamer, until } from '@webstream/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GatewayUnderTest } from './gateway-under-test';

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (req, res) => {
      req.destroy();
      reject(new Error(`status ${res.statusCode}`));
    });
    socket.once('error', reject);
  });
}

function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((done) =>
    socket.once('close', (code, reason) => done({ code, reason: reason.toString() })),
  );
}

describe('the data plane', () => {
  let under: GatewayUnderTest;
  let gateway: TestService;
  let host: StandInSessionHost;
  let streamer: StandInStreamer;
  let ws: string;
  let una: TokenResponse;
  let sam: TokenResponse;
  let launch: Record<string, string>;

  async function call<T>(
    method: string,
    path: string,
    token: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as T };
  }

  async function signInAdmin(): Promise<TokenResponse> {
    const response = await fetch(`${gateway.url}/iam/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: under.adminPassword }),
    });
    return (await response.json()) as TokenResponse;
  }

  async function session(user: TokenResponse, sessionId: string): Promise<GetConnectionResponse> {
    const selected = await call('POST', '/gateway/session/select', user.accessToken, {
      body: launch,
      headers: { 'x-session-id': sessionId },
    });
    expect(selected.status, JSON.stringify(selected.body)).toBe(200);
    const connection = await call<GetConnectionResponse>('GET', '/getConnection', user.accessToken, {
      headers: { 'x-session-id': sessionId },
    });
    expect(connection.status).toBe(200);
    return connection.body;
  }

  beforeAll(async () => {
    under = await GatewayUnderTest.prepare('data_plane');
    host = await new StandInSessionHost({ backendToken: under.backendToken }).start();
    streamer = await new StandInStreamer().start();
    host.streamerFor = (sessionId) => streamer.connection(sessionId);
    gateway = await under.start(
      under.config({
        gateway: {
          webSocket: { allowedOrigins: ['https://portal.example.com'], maxMessageBytes: { capture: 4096 } },
        },
      }),
    );
    ws = gateway.url.replace('http://', 'ws://');
    const post = async <T>(
      path: string,
      body: unknown,
      token?: string,
      headers: Record<string, string> = {},
    ): Promise<T> => {
      const response = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify(body),
      });
      expect(response.status, path).toBeLessThan(300);
      return (await response.json()) as T;
    };
    await post('/gateway/register', host.registration({ maxSessions: 20 }), undefined, {
      'x-backend-token': under.backendToken,
    });
    const ready = await under.launchable(gateway, ['una', 'sam']);
    una = ready.users['una']!;
    sam = ready.users['sam']!;
    launch = ready.launch;
  });

  // Every upgrade and /getConnection the gateway made kept to the contract (the stand-ins parse them with it).
  afterEach(() => {
    expect(streamer.violations).toEqual([]);
    expect(host.violations).toEqual([]);
  });

  afterAll(async () => {
    await under?.stop();
    await Promise.all([host?.stop(), streamer?.stop()]);
  });

  it("answers /getConnection with one ticket per socket, and the host gets the user's real contract, never a spoofed one", async () => {
    expect(
      (
        await call('POST', '/gateway/session/select', una.accessToken, {
          body: launch,
          headers: { 'x-session-id': 'una-dp-0001' },
        })
      ).status,
    ).toBe(200);
    const connection = await call<GetConnectionResponse>('GET', '/getConnection', una.accessToken, {
      headers: {
        'x-session-id': 'una-dp-0001',
        'x-user-id': 'someone-else',
        'X-Policy-JSON': 'e30=',
        'x-app-exe': '/bin/sh',
        'x-backend-token': 'forged',
      },
    });
    expect(connection.status).toBe(200);
    expect(connection.body).toMatchObject({ sessionId: 'una-dp-0001', streamerGuid: streamer.streamerGuid });
    expect(new Set(Object.values(connection.body.tickets)).size).toBe(3);
    expect(connection.body).not.toHaveProperty('host');
    const sent = host.connections.at(-1)!;
    expect(sent['x-user-id']).toBe(una.user.id);
    expect(sent['x-username']).toBe('una');
    expect(sent['x-app-exe']).toBe('gedit');
    expect(JSON.parse(Buffer.from(sent['x-policy-json'] as string, 'base64').toString())).toMatchObject({
      inputAllowed: true,
    });
    expect(sent.authorization).toBeUndefined();
    expect(sent['x-backend-token']).toBe(under.backendToken);
  });

  it('carries a correlation id through /getConnection: the one sent, else a new one, to the host and back', async () => {
    await session(una, 'una-dp-0011');
    const sent = await call('GET', '/getConnection', una.accessToken, {
      headers: { 'x-session-id': 'una-dp-0011', 'x-correlation-id': 'trace-0011' },
    });
    expect(sent.headers.get('x-correlation-id')).toBe('trace-0011');
    expect(host.connections.at(-1)!['x-correlation-id']).toBe('trace-0011');
    const fresh = await call('GET', '/getConnection', una.accessToken, {
      headers: { 'x-session-id': 'una-dp-0011' },
    });
    const generated = fresh.headers.get('x-correlation-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(host.connections.at(-1)!['x-correlation-id']).toBe(generated);
    const refused = await call<{ error: { correlationId?: string } }>(
      'GET',
      '/getConnection',
      'not-a-token',
      {
        headers: { 'x-session-id': 'una-dp-0011', 'x-correlation-id': 'trace-refused' },
      },
    );
    expect(refused.status).toBe(401);
    expect(refused.body.error.correlationId).toBe('trace-refused');
    expect(
      (
        await call('POST', '/gateway/session/release', una.accessToken, {
          body: { sessionId: 'una-dp-0011' },
        })
      ).status,
    ).toBe(200);
  });

  it('refuses /getConnection without a token, without a session, or for another user’s session', async () => {
    expect(
      (await fetch(`${gateway.url}/getConnection`, { headers: { 'x-session-id': 'una-dp-0001' } })).status,
    ).toBe(401);
    expect((await call('GET', '/getConnection', una.accessToken)).status).toBe(400);
    expect(
      (await call('GET', '/getConnection', sam.accessToken, { headers: { 'x-session-id': 'una-dp-0001' } }))
        .status,
    ).toBe(404);
  });

  it('relays a WebSocket opened with its ticket, injecting the contract; the ticket works once and for its socket only', async () => {
    const connection = await session(una, 'una-dp-0002');
    await expect(open(`${ws}/capture?ticket=${connection.tickets.control}`)).rejects.toThrow('status 401');
    const socket = await open(`${ws}/capture?ticket=${connection.tickets.capture}&sessionId=una-dp-0002`, {
      'x-user-id': 'someone-else',
    });
    const echoed = new Promise((done) => socket.once('message', (data) => done((data as Buffer).toString())));
    socket.send('hello');
    expect(await echoed).toBe('hello');
    expect(streamer.upgrades.at(-1)!.headers['x-user-id']).toBe(una.user.id);
    expect(streamer.upgrades.at(-1)!.headers['x-session-id']).toBe('una-dp-0002');
    // The streamer is opened with the session's secret the host gave, which the browser never saw.
    expect(streamer.upgrades.at(-1)!.headers['x-streamer-secret']).toBe(streamer.streamerSecret);
    expect(streamer.upgrades.at(-1)!.headers['x-backend-token']).toBeUndefined();
    expect(JSON.stringify(connection)).not.toContain(streamer.streamerSecret);
    await expect(open(`${ws}/capture?ticket=${connection.tickets.capture}`)).rejects.toThrow('status 401');
    const status = await call<{ state: string }>('GET', '/gateway/session/status', una.accessToken, {
      headers: { 'x-session-id': 'una-dp-0002' },
    });
    expect(status.body.state).toBe('active');
    socket.close();
  });

  it("passes on the streamer's first message when it comes in one packet with the upgrade's answer", async () => {
    const connection = await session(sam, 'sam-dp-0002');
    const greeting = JSON.stringify({ type: 'audio-format', codec: 'opus', sampleRate: 48_000, channels: 2 });
    streamer.greeting = greeting;
    try {
      // Listening from the start: the greeting may come in the same packet as the gateway's 101.
      const socket = new WebSocket(`${ws}/audio?ticket=${connection.tickets.audio}`);
      const received: string[] = [];
      const echoed = new Promise<void>((done, fail) => {
        socket.on('message', (data) => {
          const text = (data as Buffer).toString();
          received.push(text);
          if (text === 'after') done();
        });
        socket.once('error', fail);
      });
      await new Promise((opened) => socket.once('open', opened));
      socket.send('after');
      await echoed;
      expect(received).toEqual([greeting, 'after']);
      socket.close();
    } finally {
      streamer.greeting = undefined;
    }
  });

  it('ends a session when its own streamer says so, keeping the reason for the reconnect preflight', async () => {
    const connection = await session(una, 'una-dp-0005');
    const ended = (body: unknown, token?: string) =>
      fetch(`${gateway.url}/gateway/session/ended`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { 'x-backend-token': token } : {}) },
        body: JSON.stringify(body),
      });
    const report = {
      sessionId: 'una-dp-0005',
      streamerGuid: connection.streamerGuid,
      reason: 'idle-timeout',
    };
    expect((await ended(report)).status).toBe(401);
    expect((await ended({ ...report, reason: 'bored' }, under.backendToken)).status).toBe(400);
    const foreign = await ended({ ...report, streamerGuid: randomUUID() }, under.backendToken);
    expect(await foreign.json()).toEqual({ ended: false });
    const own = await ended(report, under.backendToken);
    expect(await own.json()).toEqual({ ended: true });
    const status = await call<{ state: string; endedReason?: string }>(
      'GET',
      '/gateway/session/status',
      una.accessToken,
      { headers: { 'x-session-id': 'una-dp-0005' } },
    );
    expect(status.body).toMatchObject({ state: 'ended', endedReason: 'idle-timeout' });
  });

  it("refuses another user's ticket for a session, a foreign Origin, and no ticket", async () => {
    const samConnection = await session(sam, 'sam-dp-0001');
    await expect(
      open(`${ws}/audio?ticket=${samConnection.tickets.audio}&sessionId=una-dp-0002`),
    ).rejects.toThrow('status 403');
    const unaConnection = await session(una, 'una-dp-0003');
    await expect(
      open(`${ws}/control?ticket=${unaConnection.tickets.control}`, { origin: 'https://evil.example' }),
    ).rejects.toThrow('status 403');
    const allowed = await open(`${ws}/control?ticket=${unaConnection.tickets.control}`, {
      origin: 'https://portal.example.com',
    });
    allowed.close();
    await expect(open(`${ws}/audio`)).rejects.toThrow('status 401');
  });

  it('lists relayed sockets with their bytes, and closes one on demand with a reason', async () => {
    const connection = await session(una, 'una-dp-0004');
    const socket = await open(`${ws}/control?ticket=${connection.tickets.control}`);
    socket.send('12345');
    await new Promise((done) => socket.once('message', done));
    const admin = await signInAdmin();
    const listed = await call<{
      items: {
        id: string;
        sessionId: string;
        publicPath: string;
        bytesFromClient: number;
        bytesToClient: number;
        userId: string;
      }[];
    }>('GET', '/gateway/admin/websockets', admin.accessToken);
    const entry = listed.body.items.find((item) => item.sessionId === 'una-dp-0004')!;
    expect(entry).toMatchObject({ publicPath: '/control', userId: una.user.id });
    // One text frame each way, the handshake not counted: 2 header bytes, the client's 4-byte mask, 5 bytes.
    expect(entry.bytesFromClient).toBe(2 + 4 + 5);
    expect(entry.bytesToClient).toBe(2 + 5);
    const ending = closed(socket);
    expect(
      (
        await fetch(`${gateway.url}/gateway/admin/websockets/${entry.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${admin.accessToken}` },
        })
      ).status,
    ).toBe(204);
    expect(await ending).toEqual({ code: 4015, reason: 'closed by an administrator' });
  });

  it('holds nothing much for a browser that stops reading: the pipe pushes back on the streamer', async () => {
    const connection = await session(una, 'una-dp-0010');
    const upstream = new Promise<WebSocket>((done) => streamer.sockets.once('connection', done));
    const socket = await open(`${ws}/capture?ticket=${connection.tickets.capture}`);
    socket.pause();
    const streamerSide = await upstream;
    const chunk = randomBytes(1024 * 1024);
    for (let i = 0; i < 64; i++) streamerSide.send(chunk, { binary: true });
    // Once the kernel's socket buffers on the way are full (tens of MiB at most on loopback), whatever the
    // gateway does not take stays with the streamer, which is what lets it drop frames for a slow client.
    let settled = -1;
    while (settled !== streamerSide.bufferedAmount) {
      settled = streamerSide.bufferedAmount;
      await new Promise((done) => setTimeout(done, 200));
    }
    expect(streamerSide.bufferedAmount).toBeGreaterThan(32 * 1024 * 1024);
    const ending = closed(socket);
    socket.resume();
    socket.close();
    await ending;
    const release = await call('POST', '/gateway/session/release', una.accessToken, {
      body: { sessionId: 'una-dp-0010' },
    });
    expect(release.status).toBe(200);
  });

  it('a reconnect records where the streamer is now, so its sockets follow a streamer that moved', async () => {
    const first = await session(una, 'una-dp-0009');
    const firstSocket = await open(`${ws}/control?ticket=${first.tickets.control}`);
    const moved = await new StandInStreamer().start();
    host.streamerFor = (sessionId) => moved.connection(sessionId);
    try {
      const again = await call<GetConnectionResponse>('GET', '/getConnection', una.accessToken, {
        headers: { 'x-session-id': 'una-dp-0009' },
      });
      expect(again.status).toBe(200);
      const socket = await open(`${ws}/capture?ticket=${again.body.tickets.capture}`);
      expect(moved.upgrades.map((upgrade) => upgrade.path)).toEqual(['/capture']);
      socket.close();
    } finally {
      host.streamerFor = (sessionId) => streamer.connection(sessionId);
      firstSocket.close();
      expect(moved.violations).toEqual([]);
      await moved.stop();
      const release = await call('POST', '/gateway/session/release', una.accessToken, {
        body: { sessionId: 'una-dp-0009' },
      });
      expect(release.status).toBe(200);
    }
  });

  async function release(user: TokenResponse, sessionId: string): Promise<void> {
    const released = await call('POST', '/gateway/session/release', user.accessToken, {
      body: { sessionId },
    });
    expect(released.status).toBe(200);
  }

  async function relayedSockets(): Promise<{ sessionId: string }[]> {
    const admin = await signInAdmin();
    return (
      await call<{ items: { sessionId: string }[] }>('GET', '/gateway/admin/websockets', admin.accessToken)
    ).body.items;
  }

  it('closes the browser with 1009 for a message over its path’s limit, before any of it reaches the streamer', async () => {
    const connection = await session(sam, 'sam-dp-0101');
    const upstream = new Promise<WebSocket>((done) => streamer.sockets.once('connection', done));
    const socket = await open(`${ws}/capture?ticket=${connection.tickets.capture}`);
    const streamerSide = await upstream;
    const reached: number[] = [];
    streamerSide.on('message', (data: Buffer) => reached.push(data.length));
    socket.send(randomBytes(4096));
    await new Promise((done) => socket.once('message', done));
    const ending = closed(socket);
    socket.send(randomBytes(4097));
    expect(await ending).toEqual({ code: 1009, reason: 'message-too-big' });
    expect(reached).toEqual([4096]);
    await until(
      'the relay of sam-dp-0101 to leave the list',
      async () => !(await relayedSockets()).some((item) => item.sessionId === 'sam-dp-0101'),
    );
    await release(sam, 'sam-dp-0101');
  });

  it('keeps no half connection: a browser that never answers the close is dropped and leaves the list', async () => {
    const connection = await session(sam, 'sam-dp-0102');
    const upstream = new Promise<WebSocket>((done) => streamer.sockets.once('connection', done));
    // A client that reads the close and never closes its side (allowHalfOpen), as a hostile or wedged one may.
    const raw = connect({ port: Number(new URL(gateway.url).port), host: '127.0.0.1', allowHalfOpen: true });
    await new Promise((done) => raw.once('connect', done));
    raw.write(
      [
        `GET /control?ticket=${connection.tickets.control} HTTP/1.1`,
        `Host: ${new URL(gateway.url).host}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n'),
    );
    await new Promise((done) => raw.once('data', done));
    const streamerSide = await upstream;
    expect((await relayedSockets()).map((item) => item.sessionId)).toContain('sam-dp-0102');
    const droppedAt = Date.now();
    streamerSide.terminate();
    // Within 2 s is the behaviour under test; the margin is for a loaded machine.
    await until(
      'the relay of sam-dp-0102 to leave the list',
      async () => !(await relayedSockets()).some((item) => item.sessionId === 'sam-dp-0102'),
    );
    expect(Date.now() - droppedAt).toBeLessThan(5_000);
    // The gateway's side is gone, not merely half-closed: what the client still sends is refused.
    const refused = new Promise<string | undefined>((done) =>
      raw.once('error', (error: NodeJS.ErrnoException) => done(error.code)),
    );
    raw.write(randomBytes(64));
    setTimeout(() => raw.write(randomBytes(64)), 100);
    expect(['ECONNRESET', 'EPIPE']).toContain(await refused);
    await release(sam, 'sam-dp-0102');
  });

  it('closes the browser socket with a code and a reason when the streamer drops or cannot be reached', async () => {
    const connection = await session(una, 'una-dp-0005');
    const socket = await open(`${ws}/capture?ticket=${connection.tickets.capture}`);
    const ending = closed(socket);
    for (const client of streamer.clients) client.terminate();
    expect(await ending).toEqual({ code: 4013, reason: 'host-lost' });

    await streamer.stop();
    const unreachable = await open(`${ws}/audio?ticket=${connection.tickets.audio}`);
    expect(await closed(unreachable)).toEqual({ code: 1014, reason: 'upstream-unreachable' });
  });
});
