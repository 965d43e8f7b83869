import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MatchersV3, MessageConsumerPact, synchronousBodyHandler } from '@pact-foundation/pact';
import {
  audioServerMessageSchema,
  controlServerMessageSchema,
  frameHeaderSchema,
} from '@webstream/contracts';
import { PACT_DIR } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const { like, integer, regex } = MatchersV3;

/**
 * What the page reads on the session's WebSockets (relayed unchanged by the gateway), as message pacts with the
 * streamer: the text messages of /capture, /control and /audio, and the header of a binary frame. Each is read
 * with the schema the page parses it with (channel-messages.ts, frame-renderer.ts).
 */
describe('pact: the browser (web client) ← streamer messages on /capture, /control and /audio', () => {
  let dir: string;
  let pact: MessageConsumerPact;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ws-pact-'));
    pact = new MessageConsumerPact({
      consumer: 'web-client',
      provider: 'streamer-agent',
      dir,
      logLevel: 'warn',
    });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the header of a JPEG keyframe on /capture', () =>
    pact
      .given('a session is streaming')
      .expectsToReceive('the header of a JPEG keyframe on /capture')
      .withContent({
        type: 'frame',
        seq: integer(1),
        timestamp: integer(1_765_000_000_000),
        codec: 'jpeg',
        keyframe: true,
        width: integer(320),
        height: integer(200),
        byteLength: integer(4_096),
      })
      .withMetadata({ path: '/capture', frame: 'binary' })
      .verify(
        synchronousBodyHandler((header: unknown) => {
          expect(frameHeaderSchema.parse(header)).toMatchObject({ codec: 'jpeg', keyframe: true });
        }),
      ));

  it('reads the answer to a ping on /control', () =>
    pact
      .given('a session is streaming')
      .expectsToReceive('a pong on /control')
      .withContent({ type: 'pong', t: like(1234.5) })
      .withMetadata({ path: '/control', frame: 'text' })
      .verify(
        synchronousBodyHandler((message: unknown) => {
          expect(controlServerMessageSchema.parse(message).type).toBe('pong');
        }),
      ));

  it('reads a notice on /control', () =>
    pact
      .given('a view-only session is streaming')
      .expectsToReceive('a view-only notice on /control')
      .withContent({ type: 'notice', kind: 'view-only', message: like('This workspace is view-only.') })
      .withMetadata({ path: '/control', frame: 'text' })
      .verify(
        synchronousBodyHandler((message: unknown) => {
          expect(controlServerMessageSchema.parse(message)).toMatchObject({ kind: 'view-only' });
        }),
      ));

  it('reads the audio format on /audio before any sound', () =>
    pact
      .given('a session is streaming')
      .expectsToReceive('the audio format on /audio')
      .withContent({
        type: 'audio-format',
        codec: regex(/^(opus|pcm-s16le)$/, 'pcm-s16le'),
        sampleRate: integer(48_000),
        channels: integer(2),
      })
      .withMetadata({ path: '/audio', frame: 'text' })
      .verify(
        synchronousBodyHandler((message: unknown) => {
          expect(audioServerMessageSchema.parse(message).type).toBe('audio-format');
        }),
      ));

  it('writes the message pact the streamer verifies, and it is the committed one', async () => {
    const written = await readFile(join(dir, 'web-client-streamer-agent.json'), 'utf8');
    await expect(written).toMatchFileSnapshot(join(PACT_DIR, 'web-client-streamer-agent.json'));
  });
});
