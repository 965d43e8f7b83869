import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type TelemetryEvent } from '@webstream/contracts';

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/**
 * The streamer's two peers in one real HTTP server: the gateway's licence check-in and check-out (answering
 * whatever status the test sets) and the metrics engine's ingest (keeping every event it is sent).
 */
export class StreamerPeers {
  checkinStatus = 200;
  readonly checkins: { streamerGuid: string; token: string | undefined }[] = [];
  readonly checkouts: string[] = [];
  readonly ends: { sessionId: string; reason: string }[] = [];
  readonly events: TelemetryEvent[] = [];
  private readonly server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      void (async () => {
        const body = (await bodyOf(req)) as Record<string, unknown> | undefined;
        const json = (status: number, answer: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        };
        switch (req.url) {
          case '/gateway/license/streamer-checkin':
            this.checkins.push({
              streamerGuid: String(body?.['streamerGuid']),
              token: req.headers['x-backend-token'] as string | undefined,
            });
            json(this.checkinStatus, { status: 'ok', activeStreamers: 1, licensedSessions: 25 });
            return;
          case '/gateway/license/streamer-checkout':
            this.checkouts.push(String(body?.['streamerGuid']));
            json(200, { success: true, activeStreamers: 0 });
            return;
          case '/gateway/session/ended':
            this.ends.push({ sessionId: String(body?.['sessionId']), reason: String(body?.['reason']) });
            json(200, { ended: true });
            return;
          case '/api/ingest': {
            const events = (body?.['events'] ?? []) as TelemetryEvent[];
            this.events.push(...events);
            json(200, { stored: true, events: events.length });
            return;
          }
          case undefined:
          default:
            json(404, { error: { status: 404, code: 'NOT_FOUND', message: req.url } });
        }
      })();
    });
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((done) => this.server.close(done));
  }
}
