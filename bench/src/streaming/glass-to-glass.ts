// Glass to glass: a key pressed in headless Chromium, sent on /control, typed into the session's xterm, its echo
// captured, encoded, sent on /capture, decoded (WebCodecs for H.264, createImageBitmap for JPEG) and drawn on a
// canvas — the time until the canvas's pixels change. A small relay in this process stands in for the gateway
// (it adds the session's secret, as the gateway does), so the page runs on a secure origin (127.0.0.1).
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import WebSocket, { WebSocketServer } from 'ws';
import { percentile, progress } from '../report';
import { type SuiteContext } from '../suite';
import { IDLE_ARGS, startBenchStreamer } from './bench-streamer';
import { type StreamerPeers } from './peers';

const KEYSTROKES = 20;
const TARGET_P95_MS = 50;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run'];

/**
 * The page: it draws /capture on a canvas and, asked to, presses a key and resolves with the ms until a drawn
 * picture differs from the one before the key.
 */
const PAGE = `<!doctype html><canvas id="c" width="1280" height="720"></canvas><script type="module">
const canvas = document.getElementById('c');
const context = canvas.getContext('2d', { willReadFrequently: true });
const params = new URLSearchParams(location.search);
const codec = params.get('codec');
const socketUrl = (path) => 'ws://' + location.host + path;
const control = new WebSocket(socketUrl('/control'));
const capture = new WebSocket(socketUrl('/capture?codecs=' + codec));
capture.binaryType = 'arraybuffer';
let waiter;
let drawnHash = 0;
const hash = () => {
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  let h = 0;
  for (let i = 0; i < data.length; i += 8) h = (h * 31 + data[i]) | 0;
  return h;
};
const drawn = (picture) => {
  context.drawImage(picture, 0, 0);
  picture.close();
  const now = performance.now();
  const h = hash();
  if (waiter && h !== waiter.before) { waiter.resolve(now - waiter.sentAt); waiter = undefined; }
  drawnHash = h;
};
const decoder = typeof VideoDecoder === 'undefined' ? undefined : new VideoDecoder({ output: drawn, error: (e) => console.error(e) });
let configured = false;
capture.onmessage = async (event) => {
  if (typeof event.data === 'string') return;
  const bytes = new Uint8Array(event.data);
  const headerLength = new DataView(event.data).getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  const payload = bytes.subarray(4 + headerLength);
  if (header.codec === 'h264') {
    if (!configured) {
      if (!header.keyframe) return;
      decoder.configure({ codec: 'avc1.42E01F', optimizeForLatency: true });
      configured = true;
    }
    decoder.decode(new EncodedVideoChunk({ type: header.keyframe ? 'key' : 'delta', timestamp: header.seq, data: payload }));
  } else {
    drawn(await createImageBitmap(new Blob([payload], { type: 'image/jpeg' })));
  }
};
const key = (action) => JSON.stringify({ type: 'key', action, code: 'KeyA', key: 'a', modifiers: { shift: false, ctrl: false, alt: false, meta: false } });
window.ready = () => new Promise((resolve, reject) => {
  const giveUpAt = performance.now() + 30000;
  const check = () => {
    if (drawnHash !== 0 && control.readyState === 1) return resolve(true);
    if (performance.now() > giveUpAt) return reject(new Error('no picture within 30 s: capture ' + capture.readyState + ', control ' + control.readyState));
    setTimeout(check, 50);
  };
  check();
});
window.pointer = () => control.send(JSON.stringify({ type: 'pointer', action: 'move', x: 300, y: 200, button: 0, buttons: 0 }));
window.press = () => new Promise((resolve) => {
  waiter = { before: drawnHash, sentAt: performance.now(), resolve };
  control.send(key('down'));
  control.send(key('up'));
  setTimeout(() => { if (waiter) { waiter = undefined; resolve(-1); } }, 2000);
});
</script>`;

export async function measureGlassToGlass(
  context: SuiteContext,
  workDir: string,
  peers: StreamerPeers,
): Promise<void> {
  const { cleanup, record, detail } = context;
  const streamer = await startBenchStreamer({
    name: 'streamer (glass to glass)',
    appArgs: IDLE_ARGS,
    workDir,
    peers,
    cleanup,
  });
  const target = streamer.process.url.replace('http', 'ws');
  const relay = new WebSocketServer({ noServer: true });
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    relay.handleUpgrade(req, socket, head, (browserSide) => {
      const streamerSide = new WebSocket(`${target}${req.url ?? '/'}`, { headers: streamer.headers });
      const queued: [WebSocket.RawData, boolean][] = [];
      browserSide.on('message', (data, isBinary) => {
        if (streamerSide.readyState === WebSocket.OPEN) streamerSide.send(data, { binary: isBinary });
        else queued.push([data, isBinary]);
      });
      streamerSide.on('open', () => {
        for (const [data, isBinary] of queued.splice(0)) streamerSide.send(data, { binary: isBinary });
      });
      streamerSide.on('message', (data, isBinary) => browserSide.send(data, { binary: isBinary }));
      streamerSide.on('close', () => browserSide.close());
      browserSide.on('close', () => streamerSide.close());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.add('stop the glass-to-glass relay', async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  cleanup.add('close Chromium', () => browser.close());

  const latencies: Record<string, number[]> = {};
  for (const codec of ['h264', 'jpeg']) {
    const page = await browser.newPage({ viewport: { width: 1300, height: 740 } });
    page.on('console', (message) => {
      if (message.type() === 'error') progress(`glass to glass, ${codec}: the page says ${message.text()}`);
    });
    page.on('pageerror', (error) => progress(`glass to glass, ${codec}: the page failed: ${error.message}`));
    await page.goto(`${origin}/?codec=${codec}`);
    await page.evaluate('window.ready()');
    await page.evaluate('window.pointer()');
    await sleep(1_000);
    const measured: number[] = [];
    for (let i = 0; i < KEYSTROKES; i += 1) {
      const ms = await page.evaluate<number>('window.press()');
      if (ms >= 0) measured.push(ms);
      // Apart enough that each echo is its own change, and the still screen pauses between some of them.
      await sleep(i % 4 === 3 ? 900 : 150);
    }
    measured.sort((a, b) => a - b);
    latencies[codec] = measured;
    progress(
      `glass to glass, ${codec}: ${measured.length}/${KEYSTROKES} keys seen, p50 ${percentile(measured, 50).toFixed(1)} ms`,
    );
    await page.close();
  }
  await streamer.process.stop();
  detail('glassToGlass', latencies);
  const h264 = latencies['h264']!;
  const jpeg = latencies['jpeg']!;
  record({
    name: `keystroke to changed pixels in Chromium (glass to glass), H.264 p95 (${h264.length}/${KEYSTROKES} seen)`,
    value: percentile(h264, 95),
    unit: 'ms',
    baseline: { name: 'p50', value: percentile(h264, 50) },
    targets: [{ of: 'value', op: '<=', threshold: TARGET_P95_MS }],
  });
  record({
    name: `keystroke to changed pixels in Chromium (glass to glass), MJPEG p95 (${jpeg.length}/${KEYSTROKES} seen)`,
    value: percentile(jpeg, 95),
    unit: 'ms',
    baseline: { name: 'p50', value: percentile(jpeg, 50) },
    targets: [{ of: 'value', op: '<=', threshold: TARGET_P95_MS }],
  });
}
