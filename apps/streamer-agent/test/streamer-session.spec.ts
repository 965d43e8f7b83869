import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webstreamConfigSchema } from '@webstream/config';
import {
  BACKEND_TOKEN_HEADER,
  decodeAudioChunkMessage,
  decodeFrameMessage,
  SESSION_ID_HEADER,
  STREAMER_SECRET_HEADER,
  STREAMER_SOCKET_PATHS,
  type StreamerLaunch,
  streamerUpgradeRefusals,
  type WorkspacePolicy,
} from '@webstream/contracts';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { until, upgradeHeadersFor } from '@webstream/testing';
import { expectServedDocument } from '@webstream/testing/contracts';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StreamerAgentModule } from '../src/streamer-agent.module';
import { StreamerPeers, testLaunch } from './streamer-peers';

const BACKEND_TOKEN = 'streamer-test-backend-token-0123456789';

interface Running {
  service: TestService;
  launch: StreamerLaunch;
  /** Resolves when the streamer asks its process to end (the session is over). */
  exited: Promise<void>;
}

interface Received {
  socket: WebSocket;
  texts: Record<string, unknown>[];
  binaries: Buffer[];
  closed: Promise<{ code: number; reason: string }>;
  /** The next text message matching `match`, waiting up to `ms`. */
  text(match: (message: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** Binary messages after the first `after`, once there are more than that, waiting up to `ms`. */
  binaryAfter(after: number, ms?: number): Promise<Buffer>;
}

describe('a streamer serving one session (synthetic capture)', () => {
  let peers: StreamerPeers;
  let spoolDir: string;
  const running: Running[] = [];
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    peers = await new StreamerPeers(BACKEND_TOKEN).start();
    spoolDir = await mkdtemp(join(tmpdir(), 'webstream-streamer-test-'));
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    // A test may have closed its streamer already; closing again is a no-op.
    for (const { service } of running.splice(0)) await service.close();
    peers.gateway.checkinStatus = 200;
    expect(peers.violations).toEqual([]);
  });

  afterAll(async () => {
    await peers.stop();
    await rm(spoolDir, { recursive: true, force: true });
  });

  async function start(policy: Partial<WorkspacePolicy> = {}): Promise<Running> {
    const launch = testLaunch(policy);
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      gateway: { backend: { gatewayUrl: peers.gateway.url, token: BACKEND_TOKEN } },
      metricsEngine: { url: peers.engine.url, serviceToken: 'streamer-test-service-token-0123456789' },
      telemetry: { spoolDir },
      streamer: { captureSource: 'synthetic', width: 320, height: 200, frameRate: 10, telemetryInterval: 1 },
    });
    let exit!: () => void;
    const exited = new Promise<void>((resolve) => (exit = resolve));
    const service = await startTestService(
      StreamerAgentModule.forRoot(config, launch, { exit, checkinIntervalMs: 200 }),
    );
    const run = { service, launch, exited };
    running.push(run);
    return run;
  }

  function open(
    run: Running,
    path: string,
    headers: Record<string, string> = upgradeHeadersFor(run.launch),
  ): Promise<Received> {
    const socket = new WebSocket(`${run.service.url.replace('http', 'ws')}${path}`, { headers });
    sockets.push(socket);
    const texts: Record<string, unknown>[] = [];
    const binaries: Buffer[] = [];
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) binaries.push(data);
      else texts.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
    );
    const received: Received = {
      socket,
      texts,
      binaries,
      closed,
      text: (match, ms = 60_000) => until('a text message', () => texts.find(match), ms, 20),
      binaryAfter: (after, ms = 60_000) =>
        until('a binary message', () => (binaries.length > after ? binaries[after] : undefined), ms, 20),
    };
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(received));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  function send(received: Received, message: unknown): void {
    received.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  const key = (key: string, action: 'down' | 'up') => ({
    type: 'key',
    action,
    code: key === 'Enter' ? 'Enter' : `Key${key.toUpperCase()}`,
    key,
    modifiers: { shift: false, ctrl: false, alt: false, meta: false },
  });

  it('checks in its licence seat before it serves, with the backend token and its streamerGuid', async () => {
    const run = await start();
    const mine = peers.gateway.checkins.filter((checkin) => checkin.streamerGuid === run.launch.streamerGuid);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine[0]!.token).toBe(BACKEND_TOKEN);
  });

  it('opens every socket to an upgrade as the contract has it, and refuses the others with its statuses', async () => {
    const run = await start();
    // The provider's side of the gateway → streamer upgrade contract (streamerUpgradeHeadersSchema): the
    // gateway's side is its stand-in streamer, which parses every upgrade the gateway makes with the same schema.
    for (const path of STREAMER_SOCKET_PATHS) (await open(run, path)).socket.terminate();
    const contract = upgradeHeadersFor(run.launch);
    const refused = async (path: string, headers: Record<string, string>): Promise<number> => {
      const status = await open(run, path, headers).then(
        () => 101,
        (error: Error) => Number(/status (\d+)/.exec(error.message)?.[1]),
      );
      expect(Object.keys(streamerUpgradeRefusals)).toContain(String(status));
      return status;
    };
    expect(await refused('/capture', {})).toBe(401);
    const { [STREAMER_SECRET_HEADER]: _secret, ...withoutSecret } = contract;
    // The backend token alone, with the right ids, opens nothing.
    expect(await refused('/capture', { ...withoutSecret, [BACKEND_TOKEN_HEADER]: BACKEND_TOKEN })).toBe(401);
    expect(await refused('/capture', { ...contract, 'x-user-id': 'someone-else' })).toBe(403);
    expect(await refused('/capture', { ...contract, [SESSION_ID_HEADER]: 'sess-another-one' })).toBe(403);
    expect(await refused('/elsewhere', contract)).toBe(404);
  });

  it('sends frames with their header, skips unchanged ones, and sends a new one after typed input', async () => {
    const run = await start();
    const capture = await open(run, '/capture');
    const control = await open(run, '/control');
    const first = decodeFrameMessage(await capture.binaryAfter(0));
    expect(first.header).toMatchObject({ codec: 'jpeg', width: 320, height: 200, keyframe: true });
    expect([...first.payload.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    await new Promise((done) => setTimeout(done, 600));
    const quiet = capture.binaries.length;
    expect(quiet).toBe(1);
    send(control, key('a', 'down'));
    send(control, key('a', 'up'));
    const next = decodeFrameMessage(await capture.binaryAfter(quiet));
    expect(next.header.seq).toBeGreaterThan(first.header.seq);
    expect(Buffer.from(next.payload).equals(Buffer.from(first.payload))).toBe(false);
  });

  it('answers a malformed control message with an error naming what is wrong, and keeps serving', async () => {
    const run = await start();
    const control = await open(run, '/control');
    send(control, 'not json');
    expect(await control.text((m) => m['type'] === 'error')).toMatchObject({ code: 'invalid-payload' });
    send(control, { type: 'key', action: 'sideways', code: 'KeyA', key: 'a' });
    expect(
      await control.text((m) => m['type'] === 'error' && String(m['message']).startsWith('action')),
    ).toBeDefined();
    send(control, { type: 'ping', t: 42 });
    expect(await control.text((m) => m['type'] === 'pong')).toEqual({ type: 'pong', t: 42 });
  });

  it('drops input in a view-only workspace, tells the user, and audits the refusal', async () => {
    const run = await start({ inputAllowed: false });
    const capture = await open(run, '/capture');
    const control = await open(run, '/control');
    await capture.binaryAfter(0);
    send(control, key('b', 'down'));
    expect(await control.text((m) => m['type'] === 'notice' && m['kind'] === 'view-only')).toBeDefined();
    await new Promise((done) => setTimeout(done, 800));
    expect(capture.binaries).toHaveLength(1);
    const audit = await until(
      'the audit event',
      () =>
        peers.engine.events.find(
          (event) =>
            event.kind === 'audit' &&
            event.action === 'session.input-refused' &&
            event.targetId === run.launch.sessionId,
        ),
      5000,
      20,
    );
    expect(audit).toMatchObject({ actorId: 'user-1', targetType: 'session' });
  });

  it('refuses clipboard text over the workspace limit', async () => {
    const run = await start({ clipboard: { inbound: true, outbound: true, maxBytes: 8 } });
    const control = await open(run, '/control');
    send(control, { type: 'clipboard', mimeType: 'text/plain', data: 'far more than eight bytes' });
    const notice = await control.text((m) => m['type'] === 'notice' && m['kind'] === 'policy-refusal');
    expect(String(notice['message'])).toContain('limit of 8');
  });

  it('warns an idle user, then ends the session with the idle close code', async () => {
    const run = await start({ idleTimeoutSeconds: 2, sessionWarningSeconds: 1 });
    const control = await open(run, '/control');
    const warning = await control.text((m) => m['kind'] === 'idle-warning');
    expect(warning['secondsLeft']).toBeLessThanOrEqual(1);
    expect(await control.closed).toMatchObject({ code: 4008, reason: 'idle-timeout' });
    await run.exited;
    await run.service.close();
    expect(peers.gateway.ends).toContainEqual({ sessionId: run.launch.sessionId, reason: 'idle-timeout' });
    expect(peers.gateway.checkouts).toContain(run.launch.streamerGuid);
  });

  it('ends the session when the gateway refuses its licence seat (409)', async () => {
    const run = await start();
    const capture = await open(run, '/capture');
    peers.gateway.checkinStatus = 409;
    expect(await capture.closed).toMatchObject({ code: 4009 });
    expect(capture.texts.at(-1)).toMatchObject({ type: 'error', code: 'licence-capacity-reached' });
    await run.exited;
  });

  it('drains on the session host’s request: warned at once, ended going-away at the deadline', async () => {
    const run = await start();
    const control = await open(run, '/control');
    const refused = await fetch(`${run.service.url}/streamer/drain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secondsLeft: 1 }),
    });
    expect(refused.status).toBe(401);
    const drained = await fetch(`${run.service.url}/streamer/drain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-backend-token': BACKEND_TOKEN },
      body: JSON.stringify({ secondsLeft: 1 }),
    });
    // The backend token every host shares is no key to a session's streamer.
    expect(drained.status).toBe(401);
    const drainedWithSecret = await fetch(`${run.service.url}/streamer/drain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-streamer-secret': run.launch.streamerSecret },
      body: JSON.stringify({ secondsLeft: 1 }),
    });
    expect(drainedWithSecret.status).toBe(200);
    expect(await control.text((m) => m['kind'] === 'session-ending')).toMatchObject({ secondsLeft: 1 });
    expect(await control.closed).toMatchObject({ code: 1001 });
    await run.exited;
  });

  it('ends the session at once when the gateway ended it, with the reason as the close code', async () => {
    const run = await start();
    const control = await open(run, '/control');
    const ended = await fetch(`${run.service.url}/streamer/end`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-streamer-secret': run.launch.streamerSecret },
      body: JSON.stringify({ reason: 'admin-disconnect' }),
    });
    expect(ended.status).toBe(200);
    expect(await control.closed).toMatchObject({ code: 4015, reason: 'admin-disconnect' });
    await run.exited;
  });

  it('announces the audio format, then sends chunks of it', async () => {
    const run = await start();
    const audio = await open(run, '/audio');
    const format = await audio.text((m) => m['type'] === 'audio-format');
    expect(format).toMatchObject({ codec: 'pcm-s16le', sampleRate: 48000, channels: 2 });
    const chunk = decodeAudioChunkMessage(await audio.binaryAfter(1));
    expect(chunk.payload.length % 4).toBe(0);
    expect(chunk.payload.some((byte) => byte !== 0)).toBe(true);
  });

  it('refuses the audio socket when the policy turns sound off', async () => {
    const run = await start({ audio: false });
    const audio = await open(run, '/audio');
    expect(await audio.closed).toMatchObject({ code: 4014 });
  });

  it('reports fps, bandwidth and input samples to the metrics engine', async () => {
    const run = await start();
    const capture = await open(run, '/capture');
    await capture.binaryAfter(0);
    const sample = await until(
      'a bandwidth sample',
      () =>
        peers.engine.events.find(
          (event) =>
            event.kind === 'sample' &&
            event.metric === 'streamer.bandwidth' &&
            event.sessionId === run.launch.sessionId &&
            event.value > 0,
        ),
      5000,
      20,
    );
    expect(sample).toMatchObject({ streamerGuid: run.launch.streamerGuid });
  });
  it('describes every route it serves and nothing else in its OpenAPI document, which lints clean and is the committed one', async () => {
    const { service } = await start();
    await expectServedDocument(service.app, service.url, 'streamer-agent');
  });
});
