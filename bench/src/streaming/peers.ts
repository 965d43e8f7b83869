// The streamer's peers for the bench, in one real HTTP server: the gateway's licence check-in, check-out and
// session-ended report, and the metrics engine's ingest — all answered at once, so they cost the run nothing.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

export class StreamerPeers {
  private readonly server: Server;
  checkins = 0;
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      req.resume();
      req.once('end', () => {
        if (req.url === '/gateway/license/streamer-checkin') this.checkins += 1;
        const body =
          req.url === '/api/ingest'
            ? { stored: true, events: 0 }
            : { status: 'ok', success: true, ended: true, activeStreamers: 1, licensedSessions: 25 };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
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
