import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP server standing in for a peer behind the MCP proxy (the metrics engine, a standalone IAM): it
 * records what reached it and answers with `reply` (by default 200 and what it received).
 */
export class FakeUpstream {
  readonly received: RecordedRequest[] = [];
  reply: (request: RecordedRequest) => { status: number; body: unknown; contentType?: string } = (
    request,
  ) => ({
    status: 200,
    body: { upstream: this.name, method: request.method, url: request.url },
  });
  private server?: Server;
  private port = 0;

  constructor(private readonly name: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * What came through the gateway's proxy (which adds X-Forwarded-For), leaving out what the gateway's own
   * services send the peer directly (IAM's audit and activity events to the metrics engine).
   */
  get proxied(): RecordedRequest[] {
    return this.received.filter((request) => request.headers['x-forwarded-for'] !== undefined);
  }

  get last(): RecordedRequest | undefined {
    return this.proxied.at(-1);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.received.push(request);
        const answer = this.reply(request);
        const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening (and drops kept-alive connections), keeping the port number for a restart. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
