// A stand-in metrics engine on a real local HTTP port: records every request, stores each idempotency key once
// (as the real engine does), and answers whatever the test decides. It can be stopped and restarted on its port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type TelemetryBatch, type TelemetryEvent } from '@webstream/contracts';

export interface IngestRequest {
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly authorization: string | undefined;
  readonly batch: TelemetryBatch;
  /** How many earlier requests carried the same key. */
  readonly attempt: number;
  status: number;
}

/**
 * What to answer: 200 (store), 'lost' (store, then answer 503 as if the response never made it back), or any
 * other status, answered with an error envelope and nothing stored.
 */
export type Answer = 'lost' | number;

export class FakeEngine {
  readonly requests: IngestRequest[] = [];
  /** Stored batches by idempotency key, in the order first stored. */
  readonly stored = new Map<string, TelemetryEvent[]>();
  /** Keys whose re-send carried different events from the stored ones (must stay empty). */
  readonly mismatches: string[] = [];
  answer: (request: IngestRequest) => Answer = () => 200;
  port = 0;
  private server: Server | undefined;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every event stored, each key counted once, in storing order. */
  storedEvents(): TelemetryEvent[] {
    return [...this.stored.values()].flat();
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as TelemetryBatch;
      const attempt = this.requests.filter((r) => r.batch.idempotencyKey === batch.idempotencyKey).length;
      const request: IngestRequest = {
        method: req.method,
        path: req.url,
        authorization: req.headers.authorization,
        batch,
        attempt,
        status: 0,
      };
      this.requests.push(request);
      const answer = this.answer(request);
      if (answer === 200 || answer === 'lost') {
        const previous = this.stored.get(batch.idempotencyKey);
        if (previous === undefined) this.stored.set(batch.idempotencyKey, batch.events);
        else if (JSON.stringify(previous) !== JSON.stringify(batch.events))
          this.mismatches.push(batch.idempotencyKey);
        if (answer === 'lost') {
          this.reply(res, request, 503, errorBody(503, 'service_unavailable', 'restarting'));
        } else {
          this.reply(res, request, 200, { stored: previous === undefined, events: batch.events.length });
        }
        return;
      }
      const code =
        answer === 400 ? 'validation_failed' : answer === 401 ? 'unauthorized' : 'service_unavailable';
      this.reply(res, request, answer, errorBody(answer, code, `answered ${answer} by the test`));
    });
  }

  private reply(res: ServerResponse, request: IngestRequest, status: number, body: unknown): void {
    request.status = status;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

function errorBody(status: number, code: string, message: string): unknown {
  return {
    error: {
      status,
      code,
      message,
      fields: status === 400 ? [{ path: 'events.0.value', message: 'poisoned by the test' }] : undefined,
      errorId: 'err-1',
    },
  };
}

/** A valid sample event whose value identifies it. */
export function sample(value: number): TelemetryEvent {
  return { kind: 'sample', metric: 'node.cpu', value, at: new Date(1_700_000_000_000 + value).toISOString() };
}

export function values(events: readonly TelemetryEvent[]): number[] {
  return events.map((e) => (e.kind === 'sample' ? e.value : Number.NaN));
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
