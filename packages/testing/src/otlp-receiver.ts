import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

/** A span as an OTLP/HTTP exporter sent it, its ids in hex. */
export interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  attributes: Record<string, unknown>;
}

/** OTLP/JSON ids are hex; a protobuf-minded exporter may send base64: both read as hex. */
function hexId(id: unknown): string {
  if (typeof id !== 'string' || id === '') return '';
  return /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex');
}

/** A real OTLP/HTTP receiver (JSON): what a collector would get from the gateway. */
export class OtlpReceiver {
  readonly spans: ExportedSpan[] = [];
  private readonly server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.method === 'POST') this.take(JSON.parse(text) as unknown);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
  }

  async start(): Promise<this> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((done) => this.server.close(done));
  }

  private take(body: unknown): void {
    type Attribute = { key: string; value: Record<string, unknown> };
    type Exported = {
      resourceSpans?: {
        scopeSpans?: { spans?: (Record<string, unknown> & { attributes?: Attribute[] })[] }[];
      }[];
    };
    for (const resource of (body as Exported).resourceSpans ?? [])
      for (const scope of resource.scopeSpans ?? [])
        for (const span of scope.spans ?? [])
          this.spans.push({
            traceId: hexId(span['traceId']),
            spanId: hexId(span['spanId']),
            parentSpanId: hexId(span['parentSpanId']),
            name: String(span['name']),
            kind: Number(span['kind']),
            statusCode: Number((span['status'] as { code?: unknown } | undefined)?.code ?? 0),
            attributes: Object.fromEntries(
              (span.attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]]),
            ),
          });
  }
}
