import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Duplex } from 'node:stream';
import {
  ContractViolation,
  type EndpointDefinition,
  type EndpointOutput,
  errorCodeForStatus,
  type ErrorEnvelope,
  matchEndpointPath,
  parseEndpointRequestPart,
  parseEndpointResponse,
} from '@webstream/contracts';

/** What a stand-in's handler gets: the request's parts, parsed with the endpoint's schemas. */
export interface StandInRequest {
  params: Record<string, string>;
  query: unknown;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/**
 * A handler's answer: the endpoint's success (its body is checked), an error status with a message (in the error
 * envelope), or a fault a test injects on purpose: a body the contract forbids, sent unchecked, or no answer at
 * all (the request hangs until the stand-in stops).
 */
export type StandInAnswer<Endpoint extends EndpointDefinition> =
  | { status?: undefined; body: EndpointOutput<Endpoint> }
  | { status: number; message: string }
  | { fault: 'unchecked'; status: number; body: unknown }
  | { fault: 'hang' };

export type StandInHandler<Endpoint extends EndpointDefinition> = (
  request: StandInRequest,
) => StandInAnswer<Endpoint> | Promise<StandInAnswer<Endpoint>>;

/** One request a stand-in received, as parsed. */
export interface Received extends StandInRequest {
  operationId: string;
  path: string;
  /** Date.now() when it arrived. */
  at: number;
}

function envelope(status: number, message: string, fields?: ContractViolation['fields']): ErrorEnvelope {
  return {
    error: { status, code: errorCodeForStatus(status), message, ...(fields ? { fields: [...fields] } : {}) },
  };
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += (chunk as Buffer).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** `/iam/users/:id` matched against a path: the decoded parameters, or undefined when it does not match. */
function match(pattern: string, path: string): Record<string, string> | undefined {
  const params = matchEndpointPath(pattern, path);
  if (params === undefined) return undefined;
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, decodeURIComponent(value)]));
}

/**
 * A peer service for tests, built from its endpoint definitions: it answers only the endpoints it is given, parses
 * what it receives as the real service would (400 naming the field), and checks what its handlers answer against
 * the response schemas, so a stand-in can never answer a shape the contract forbids (it answers 500 and records
 * the violation, which a test can insist is empty).
 */
export class StandIn {
  readonly received: Received[] = [];
  /** Handler answers that broke their contract. */
  readonly violations: string[] = [];
  /** Requests whose caller went away before the stand-in answered (a cancelled or hanging call). */
  readonly abandoned: Received[] = [];
  private readonly handlers = new Map<EndpointDefinition, StandInHandler<EndpointDefinition>>();
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));
  url = '';

  /** Serves `endpoint` with `handler`; a later call replaces the handler. */
  on<Endpoint extends EndpointDefinition>(endpoint: Endpoint, handler: StandInHandler<Endpoint>): this {
    this.handlers.set(endpoint, handler);
    return this;
  }

  /** What it received for one endpoint. */
  calls(endpoint: EndpointDefinition): Received[] {
    return this.received.filter((request) => request.operationId === endpoint.operationId);
  }

  /** Takes the server's WebSocket upgrades (a streamer's sockets). */
  onUpgrade(handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): this {
    this.server.on('upgrade', handler);
    return this;
  }

  /** On a free loopback port, or on `port` (a peer that comes back where it was). */
  async start(port = 0): Promise<this> {
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((done) => this.server.close(done));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown): void => {
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(body === undefined ? '' : JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://stand-in');
    let found: { endpoint: EndpointDefinition; params: Record<string, string> } | undefined;
    for (const endpoint of this.handlers.keys()) {
      const params = endpoint.method === req.method ? match(endpoint.path, url.pathname) : undefined;
      if (params) found = { endpoint, params };
    }
    if (!found) return reply(404, envelope(404, `${req.method} ${url.pathname} is not served here`));
    const { endpoint } = found;
    const at = Date.now();
    let request: StandInRequest;
    try {
      const raw = await bodyOf(req);
      request = {
        params: parseEndpointRequestPart(endpoint, 'params', found.params) as Record<string, string>,
        query: parseEndpointRequestPart(endpoint, 'query', Object.fromEntries(url.searchParams)),
        headers: req.headers,
        body: parseEndpointRequestPart(endpoint, 'body', raw),
      };
    } catch (error) {
      if (error instanceof ContractViolation) return reply(400, envelope(400, error.message, error.fields));
      return reply(400, envelope(400, error instanceof Error ? error.message : String(error)));
    }
    const received: Received = { operationId: endpoint.operationId, path: url.pathname, at, ...request };
    this.received.push(received);
    res.once('close', () => {
      if (!res.writableEnded) this.abandoned.push(received);
    });
    const answer = await this.handlers.get(endpoint)!(request);
    if ('fault' in answer) {
      if (answer.fault === 'unchecked') reply(answer.status, answer.body);
      return;
    }
    if (answer.status !== undefined) return reply(answer.status, envelope(answer.status, answer.message));
    try {
      reply(endpoint.status, parseEndpointResponse(endpoint, answer.body));
    } catch (error) {
      this.violations.push(error instanceof Error ? error.message : String(error));
      reply(500, envelope(500, 'the stand-in answered what the contract forbids'));
    }
  }
}
