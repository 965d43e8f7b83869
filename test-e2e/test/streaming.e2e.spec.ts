import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { decodeFrameMessage, type FrameHeader } from '@webstream/contracts';
import { type Browser, chromium, type Page, type WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@webstream/testing';
import { type AllInOne, startAllInOne } from '../src/all-in-one';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  framesDrawn,
  newTestPage,
  sessionHostHealthy,
  signIn,
  type TestPage,
} from '../src/browser';

const ARTIFACTS = resolve(__dirname, '..', 'test-results', 'streaming');

/**
 * What passes over one page's /capture socket, seen through a route that relays every message both ways — and
 * can spoil the next H.264 delta on its way to the page, to make the page's decoder fail.
 */
class CaptureTap {
  readonly frames: { header: FrameHeader; at: number }[] = [];
  readonly fromPage: string[] = [];
  connectedAt: number | undefined;
  private spoilNext = false;

  relay(route: WebSocketRoute): void {
    const server = route.connectToServer();
    this.connectedAt = Date.now();
    route.onMessage((message) => {
      if (typeof message === 'string') this.fromPage.push(message);
      server.send(message);
    });
    server.onMessage((message) => {
      if (typeof message !== 'string') {
        const { header } = decodeFrameMessage(message);
        this.frames.push({ header, at: Date.now() });
        if (this.spoilNext && header.codec === 'h264' && !header.keyframe) {
          this.spoilNext = false;
          const spoiled = Buffer.from(message);
          // Past the start code and NAL header, bytes no decoder can make sense of.
          const payloadStart = spoiled.length - header.byteLength;
          for (let i = payloadStart + 5; i < spoiled.length; i++) spoiled[i] = (i * 7919) & 0xff;
          route.send(spoiled);
          return;
        }
      }
      route.send(message);
    });
  }

  spoilNextDelta(): void {
    this.spoilNext = true;
  }
}

/** The canvas's pixels, reduced to a number that changes when the picture does (evaluated in the page). */
const PICTURE_HASH = `(() => {
  const canvas = document.querySelector('canvas[aria-label="Remote display"]');
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let hash = 0;
  for (let i = 0; i < data.length; i += 16) hash = (hash * 31 + data[i]) | 0;
  return hash;
})()`;

function pictureHash(page: Page): Promise<number> {
  return page.evaluate<number>(PICTURE_HASH);
}

async function dataset(page: Page, key: string): Promise<string | null> {
  return page.getByLabel('Remote display').getAttribute(`data-${key}`);
}

// The picture and sound as a user gets them: H.264 decoded by WebCodecs in Chromium through the real gateway,
// JPEG for a browser without WebCodecs, Opus only while sound is on, nothing sent for a still screen.
describe('streaming in Chromium, through the gateway', () => {
  let stack: AllInOne;
  let gatewayUrl: string;
  let browser: Browser;
  let password: string;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startAllInOne('streaming');
    gatewayUrl = stack.gatewayUrl;
    password = stack.passwordOf('demo');
    await sessionHostHealthy(gatewayUrl, stack.passwordOf('admin'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A page signed in as the demo user, its /capture socket tapped, and every /audio socket it opens listed. */
  async function viewer(name: string, init?: (page: Page) => Promise<void>) {
    const tap = new CaptureTap();
    const audioSockets: { url: string; frames: number; closed: boolean; formats: string[] }[] = [];
    const test: TestPage = await newTestPage(browser, ARTIFACTS, name, async (page) => {
      await init?.(page);
      await page.routeWebSocket(/\/capture\?/, (route) => tap.relay(route));
      page.on('websocket', (socket) => {
        if (!socket.url().includes('/audio?')) return;
        const entry = { url: socket.url(), frames: 0, closed: false, formats: [] as string[] };
        audioSockets.push(entry);
        socket.on('framereceived', (frame) => {
          entry.frames += 1;
          if (typeof frame.payload === 'string') entry.formats.push(frame.payload);
        });
        socket.on('close', () => (entry.closed = true));
      });
    });
    await signIn(test.page, gatewayUrl, 'demo', password);
    await test.page.getByRole('article', { name: 'Demo workspace' }).waitFor({ timeout: 60_000 });
    return { ...test, tap, audioSockets };
  }

  async function firstPicture(page: Page): Promise<void> {
    await page.getByLabel('Remote display').waitFor({ timeout: 60_000 });
    await until(
      'frames on the canvas',
      async () => ((await framesDrawn(page)) > 0 ? true : undefined),
      30_000,
    );
  }

  it('decodes H.264 on the canvas, stops sending on a still screen, recovers from a decode error, opens sound only while it is on, and serves a late viewer and a browser without WebCodecs', async () => {
    const first = await viewer('first');
    const { page, tap, shot } = first;
    await page
      .getByRole('article', { name: 'Demo workspace' })
      .getByRole('button', { name: 'Launch Terminal' })
      .click();
    await firstPicture(page);
    expect(await dataset(page, 'codec')).toBe('h264');
    // The page asked for H.264 first, and the first frame it got is a keyframe.
    expect(tap.frames[0]?.header).toMatchObject({ codec: 'h264', keyframe: true });
    await shot('h264-first-picture');

    // Typing changes the pixels the decoder draws.
    const display = page.getByLabel('Remote display');
    const box = (await display.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.15, box.y + box.height * 0.15);
    await display.click({ position: { x: box.width * 0.15, y: box.height * 0.15 } });
    const before = await pictureHash(page);
    await page.keyboard.type('echo decoded-by-webcodecs', { delay: 15 });
    await until(
      'the typed text on the canvas',
      async () => ((await pictureHash(page)) !== before ? true : undefined),
      20_000,
    );
    await shot('typed');
    // What it drew, it acknowledges: the streamer's bitrate follows how late.
    expect(tap.fromPage.some((text) => /^\{"type":"frame-ack","seq":\d+\}$/.test(text))).toBe(true);
    await until(
      'the status line to name the codec and its rate',
      async () =>
        /^H264 · \d+ fps · .*bit\/s/.test((await page.getByRole('status').first().textContent()) ?? '')
          ? true
          : undefined,
      20_000,
    );

    // A still screen: after its settling frames, nothing more is sent.
    await until(
      'the screen to settle',
      async () => {
        const count = tap.frames.length;
        await page.waitForTimeout(1_500);
        return tap.frames.length === count ? true : undefined;
      },
      30_000,
    );
    const settled = tap.frames.length;
    await page.waitForTimeout(2_000);
    expect(tap.frames.length).toBe(settled);

    // A delta spoiled on its way: the decoder fails, the page asks for a keyframe, and the picture goes on.
    tap.spoilNextDelta();
    const keyframeRequests = () => tap.fromPage.filter((text) => text.includes('keyframe-request')).length;
    const framesBefore = tap.frames.length;
    await page.keyboard.type(' broken', { delay: 15 });
    await until(
      'the decode failure',
      async () => ((await dataset(page, 'decode-failures')) === '1' ? true : undefined),
      20_000,
    );
    await until('a keyframe request', () => (keyframeRequests() >= 1 ? true : undefined), 20_000);
    await until(
      'a keyframe after the request',
      () => (tap.frames.slice(framesBefore).some((frame) => frame.header.keyframe) ? true : undefined),
      20_000,
    );
    const drawnAfterRecovery = await framesDrawn(page);
    const hashAfterRecovery = await pictureHash(page);
    await page.keyboard.type(' and-recovered', { delay: 15 });
    await until(
      'pictures after the recovery',
      async () =>
        (await framesDrawn(page)) > drawnAfterRecovery && (await pictureHash(page)) !== hashAfterRecovery
          ? true
          : undefined,
      20_000,
    );
    await shot('recovered');

    // Sound off: no /audio socket at all. On: Opus. Off again: the socket closes.
    expect(first.audioSockets).toEqual([]);
    await page.getByRole('button', { name: 'Sound' }).click();
    await until(
      'an /audio socket with sound',
      () => ((first.audioSockets[0]?.frames ?? 0) > 5 ? true : undefined),
      20_000,
    );
    expect(first.audioSockets[0]!.url).toContain('codecs=opus');
    expect(JSON.parse(first.audioSockets[0]!.formats[0]!)).toMatchObject({
      type: 'audio-format',
      codec: 'opus',
    });
    await page.getByRole('button', { name: 'Sound' }).click();
    await until(
      'the /audio socket to close',
      () => (first.audioSockets[0]!.closed ? true : undefined),
      20_000,
    );
    expect(first.audioSockets).toHaveLength(1);

    // A second viewer joins late: its first frame is a keyframe, well within a second of its socket opening
    // (asserted with a wide margin; the streaming bench measures it).
    const sessionPath = new URL(page.url()).pathname;
    const late = await viewer('late');
    await late.page.goto(`${gatewayUrl}${sessionPath}`);
    await firstPicture(late.page);
    expect(late.tap.frames[0]?.header).toMatchObject({ codec: 'h264', keyframe: true });
    expect(late.tap.frames[0]!.at - late.tap.connectedAt!).toBeLessThan(3_000);
    await late.shot('late-viewer');

    // A browser without WebCodecs says so and gets JPEG.
    const old = await viewer('without-webcodecs', async (page) => {
      await page.addInitScript({ content: 'delete window.VideoDecoder; delete window.AudioDecoder;' });
    });
    await old.page.goto(`${gatewayUrl}${sessionPath}`);
    await firstPicture(old.page);
    expect(await dataset(old.page, 'codec')).toBe('jpeg');
    expect(old.tap.frames[0]?.header.codec).toBe('jpeg');
    await old.shot('jpeg');

    for (const { errors } of [first, late, old]) expect(errors).toEqual([]);
    await page.getByRole('button', { name: 'End session' }).click();
  });
});
