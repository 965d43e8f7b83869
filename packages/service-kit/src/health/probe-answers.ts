import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { HEALTH_LIVE_PATH } from '@webstream/contracts';
import { CORRELATION_ID_HEADER, correlationIdFrom } from '../http/request-context';

/** A GET or HEAD without a body: anything else goes on to the framework, which refuses a body on GET. */
function isBodilessRead(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/** What a probe answers: always the same shape, computed without I/O. */
export interface ProbeAnswer {
  contentType: string;
  body(): string;
}

/** The headers every answer to `req` carries (the security headers), as one flat name, value, … list. */
export type AnswerHeaders = (req: IncomingMessage) => readonly string[];

/** Records a probe answered ahead of the framework, as the framework's metrics record a routed request. */
export type ProbeObserver = (method: string, route: string, status: number, seconds: number) => void;

/**
 * The liveness probes (`/health/live`, the gateway's `/gateway/health`), answered ahead of the framework.
 * Load balancers and orchestrators call them on every instance every few seconds, and seed 002 holds the
 * gateway's to p95 ≤ 10 ms under load: a probe that only says "this process serves" must not pay for the
 * routing, guards, body parsing and request logging a routed request needs. Each still carries the security
 * headers and the correlation id, and is counted in the HTTP metrics. Probes are not traced or logged.
 */
@Injectable()
export class ProbeAnswers {
  private readonly answers = new Map<string, ProbeAnswer>([
    [
      HEALTH_LIVE_PATH,
      {
        contentType: 'application/json; charset=utf-8',
        // Terminus's shape, as the other probes answer it.
        body: () => {
          const process_ = { status: 'up', uptimeSeconds: process.uptime() };
          return JSON.stringify({
            status: 'ok',
            info: { process: process_ },
            error: {},
            details: { process: process_ },
          });
        },
      },
    ],
  ]);

  private readonly observers: ProbeObserver[] = [];
  private headers: AnswerHeaders = () => [];

  /** The headers every answer carries: the service's security headers. */
  useHeaders(headers: AnswerHeaders): void {
    this.headers = headers;
  }

  /** Records each probe answered, as the app's request metrics record a routed request. */
  onAnswered(observer: ProbeObserver): void {
    this.observers.push(observer);
  }

  /** Answers GET and HEAD of `path` with `answer` ahead of the framework. */
  add(path: string, answer: ProbeAnswer): void {
    this.answers.set(path, answer);
  }

  /** The paths answered here, which the framework's router never sees. */
  paths(): string[] {
    return [...this.answers.keys()];
  }

  /**
   * Takes `server`'s requests for a probe before its other listeners (the framework). Other requests go on to
   * them unchanged.
   */
  attach(server: Server): void {
    const framework = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const answer = isBodilessRead(req) ? this.answerFor(req.url) : undefined;
      if (answer === undefined) {
        for (const listener of framework) listener(req, res);
        return;
      }
      const started = process.hrtime.bigint();
      const body = answer.body();
      // One writeHead with every header: no per-header bookkeeping on the response.
      res.writeHead(200, [
        ...this.headers(req),
        CORRELATION_ID_HEADER,
        correlationIdFrom(req),
        'content-type',
        answer.contentType,
        'content-length',
        String(Buffer.byteLength(body)),
        'cache-control',
        'no-store',
      ]);
      res.end(req.method === 'HEAD' ? undefined : body);
      const path = (req.url ?? '/').split('?', 1)[0]!;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      for (const observe of this.observers) observe(req.method!, path, 200, seconds);
    });
  }

  private answerFor(url: string | undefined): ProbeAnswer | undefined {
    if (url === undefined) return undefined;
    const query = url.indexOf('?');
    return this.answers.get(query === -1 ? url : url.slice(0, query));
  }
}
